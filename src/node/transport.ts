import { Pool } from 'undici';
import { DEFAULTS, LIMITS } from '../defaults';
import { type DeadlineInit, OWN_DEADLINE, type RequestDeadline } from '../own-deadline';
import { assertKnownKeys, integerInRange, positiveMs } from '../validate';
import { Exchange } from './exchange';

/** Options of {@link createNodeTransport}. */
export interface NodeTransportOptions {
  /**
   * Connections per origin at most.
   * @default 64
   */
  maxSockets?: number;
  /**
   * How long an idle connection is kept open for the next request, in milliseconds (a shorter
   * `Keep-Alive: timeout` from the server wins).
   * @default 30000
   */
  idleTimeoutMs?: number;
  /**
   * The most bytes of a response body read: the rest is never read, and the connection is closed. A
   * server controls a body's size; a revocation needs no more than an OAuth error's few hundred bytes.
   * @default 65536
   */
  maxResponseBytes?: number;
}

/** A fetch-compatible function over keep-alive connection pools (one per origin), with `close()`. */
export interface NodeTransport {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Closes every pooled connection; requests still in flight fail. */
  close(): Promise<void>;
}

/** The parts of one request, whatever form it came in. */
interface RequestParts {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  signal: AbortSignal | undefined;
  deadline: RequestDeadline | undefined;
}

/** The methods fetch upper-cases, whatever case they are given in. */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
/** Headers the connection owns (fetch forbids them too): the pool sets them from the request itself. */
const CONNECTION_HEADERS = new Set([
  'connection',
  'content-length',
  'expect',
  'host',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
]);
/** Parsed URLs kept at most: a client sends to one URL, so this only bounds misuse. */
const MAX_CACHED_URLS = 64;

/**
 * A fetch for the revocation client's `fetch` option, on Node: requests go through undici's `Pool`
 * (one `dispatch` per request, see {@link Exchange}), the connection pool under Node's own `fetch`,
 * without the WHATWG layers above it, which costs a fraction of the CPU per request. It follows no
 * redirects and honours `init.signal` at every stage. It keeps the revocation client's deadline for each
 * attempt itself (the client then needs no timer race and no AbortController per attempt, see
 * `OWN_DEADLINE`); used as a plain fetch, it has no timers of its own. Network failures reject
 * with `TypeError('fetch failed', { cause })`, as Node's fetch does, with undici's or the system's
 * error (and its `code`) as the cause.
 *
 * @example
 * const transport = createNodeTransport();
 * const client = createRevocationClient({ credentials, fetch: transport });
 * // ... at shutdown:
 * await transport.close();
 */
export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const pools = new OriginPools(normalizeTransportOptions(options));
  const transport = (async (input: string | URL | Request, init: DeadlineInit = {}) =>
    pools.send(await requestParts(input, init))) as NodeTransport;
  transport.close = () => pools.close();
  Object.defineProperty(transport, OWN_DEADLINE, { value: true });
  return transport;
}

interface TransportSettings {
  connections: number;
  keepAliveTimeout: number;
  maxBytes: number;
}

const TRANSPORT_OPTIONS: ReadonlySet<string> = new Set([
  'maxSockets',
  'idleTimeoutMs',
  'maxResponseBytes',
] satisfies (keyof NodeTransportOptions)[]);

function normalizeTransportOptions(options: NodeTransportOptions): TransportSettings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createNodeTransport: options must be an object');
  }
  assertKnownKeys(options, TRANSPORT_OPTIONS);
  return {
    connections: integerInRange('maxSockets', options.maxSockets, 1, 65_536, DEFAULTS.maxSockets),
    keepAliveTimeout: positiveMs('idleTimeoutMs', options.idleTimeoutMs, DEFAULTS.idleTimeoutMs),
    maxBytes: integerInRange(
      'maxResponseBytes',
      options.maxResponseBytes,
      0,
      2 ** 30,
      LIMITS.maxResponseBodyBytes,
    ),
  };
}

/** One undici Pool per origin, and the parsed form of the URLs sent to. */
class OriginPools {
  readonly #pools = new Map<string, Pool>();
  readonly #targets = new Map<string, { origin: string; path: string }>();

  constructor(readonly settings: TransportSettings) {}

  /** Sends one request; see {@link Exchange} for how it ends. */
  send(parts: RequestParts): Promise<Response> {
    const { signal, deadline } = parts;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { origin, path } = this.#targetOf(parts.url);
    return new Promise((resolve, reject) => {
      const bounds = { maxBytes: this.settings.maxBytes, signal, deadline };
      const exchange = new Exchange(bounds, resolve, reject);
      this.#poolFor(origin).dispatch(
        { origin, path, method: parts.method as 'POST', headers: parts.headers, body: parts.body },
        exchange,
      );
    });
  }

  async close(): Promise<void> {
    const closing = [...this.#pools.values()].map((pool) => pool.destroy());
    this.#pools.clear();
    await Promise.all(closing);
  }

  #poolFor(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      const { connections, keepAliveTimeout } = this.settings;
      pool = new Pool(origin, {
        connections,
        keepAliveTimeout,
        keepAliveMaxTimeout: keepAliveTimeout,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  #targetOf(url: string): { origin: string; path: string } {
    let target = this.#targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        throw new TypeError(`fetch failed: unsupported protocol ${parsed.protocol}`);
      if (parsed.username || parsed.password)
        throw new TypeError('Request cannot be constructed from a URL that includes credentials');
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      if (this.#targets.size >= MAX_CACHED_URLS) this.#targets.clear();
      this.#targets.set(url, target);
    }
    return target;
  }
}

async function requestParts(input: string | URL | Request, init: DeadlineInit): Promise<RequestParts> {
  const deadline = init[OWN_DEADLINE];
  if (!(input instanceof Request)) {
    return {
      url: String(input),
      method: normalizeMethod(init.method ?? 'GET'),
      headers: toHeaderObject(init.headers),
      body: toBody(init.body),
      signal: init.signal ?? undefined,
      deadline,
    };
  }
  const body =
    init.body !== undefined
      ? toBody(init.body)
      : input.body === null
        ? undefined
        : new Uint8Array(await input.arrayBuffer());
  return {
    url: input.url,
    method: normalizeMethod(init.method ?? input.method),
    headers: toHeaderObject(init.headers ?? input.headers),
    body,
    signal: init.signal ?? input.signal,
    deadline,
  };
}

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

function toHeaderObject(headers: HeadersInit | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    if (CONNECTION_HEADERS.has(key)) return;
    const earlier = result[key];
    result[key] = earlier === undefined ? value : `${earlier}, ${value}`; // as Headers combines them
  };
  if (headers === undefined) return result;
  if (headers instanceof Headers) {
    headers.forEach((value, name) => {
      add(name, value);
    });
  } else if (Array.isArray(headers))
    for (const [name, value] of headers) add(name as string, value as string);
  else for (const name in headers) add(name, (headers as Record<string, string>)[name] as string);
  return result;
}

function toBody(body: BodyInit | null | undefined): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError(
    'createNodeTransport supports string, Uint8Array, ArrayBuffer and URLSearchParams bodies',
  );
}
