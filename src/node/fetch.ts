import { Agent, Dispatcher, EnvHttpProxyAgent, ProxyAgent, fetch as undiciFetch } from 'undici';
import { DEFAULTS } from '../defaults';
import { FETCH_CLOSED, PROXY_REFUSED, REQUEST_NOT_SENT } from '../retry-policy';
import { assertOptions, integerInRange, isLoopback, typeError } from '../validate';

/** Options of {@link createNodeFetch}. */
export interface NodeFetchOptions {
  /**
   * The proxy every request goes through (HTTPS through a CONNECT tunnel, so the proxy never sees a
   * header or body), e.g. `http://proxy.internal:3128`. A loopback URL never goes through a proxy.
   * @default the environment's `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (lower case first), as
   * undici's `EnvHttpProxyAgent` reads them; none when they are unset
   */
  proxy?: string | URL;
  /**
   * Connections per origin at most; requests beyond them wait for a free one.
   * @default 64
   */
  connections?: number;
}

/** A fetch (same signature as the global one) over pooled connections, with `close()`. */
export interface NodeFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /**
   * Closes every connection: calls in flight reject, and so does every later call, with an error
   * whose `code` is `DIGILOCKER_FETCH_CLOSED` (the revocation client does not retry it).
   */
  close(): Promise<void>;
}

/**
 * A fetch for the revocation client's `fetch` option on Node: undici's own `fetch` over an undici
 * dispatcher (undici is an optional peer dependency), with keep-alive connections per origin and
 * proxies. Without `proxy`, it honours `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` as undici's
 * `EnvHttpProxyAgent` does; a loopback URL always goes direct, whatever the environment says
 * (`NODE_USE_ENV_PROXY` included: this fetch never uses Node's global dispatcher).
 *
 * It knows whether each request was written. When one provably was not (it waited for a connection
 * until its signal aborted, the connection was refused or timed out, no socket could be opened, the
 * fetch was closed), it rejects with an error whose `code` is `DIGILOCKER_REQUEST_NOT_SENT`, the
 * original failure (the signal's reason, or undici's error) as its `cause`: the revocation client
 * then knows that nothing was revoked by that attempt. Otherwise it rejects as undici's fetch does.
 *
 * @throws {InputTypeError} (`invalid_option`) for an unknown option, a `proxy` that is not an
 * http(s) URL, or (without `proxy`) a proxy variable of the environment that is not one (`input`
 * names the variable, e.g. `HTTPS_PROXY`; the message never quotes its value, which may hold a
 * password); {InputRangeError} for `connections` out of 1-65536; a `TypeError` whose `code` is
 * `DIGILOCKER_UNSUPPORTED_UNDICI` when the undici loaded is not undici 7 or 8 (Bun's built-in stand-in
 * for it, say): use the runtime's global fetch there.
 * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.1 | RFC 7009 §2.1}, what the client sends through it
 * @example
 * const fetch = createNodeFetch();
 * const client = createRevocationClient({ credentials, fetch });
 * // ... at shutdown:
 * await fetch.close();
 */
export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  assertUndiciUsable();
  const router = new LoopbackDirect(normalizeFetchOptions(options));
  let closed = false;
  const nodeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    if (closed) throw notSent(closedError());
    const sent = { value: false };
    const dispatcher = router.compose(
      (dispatch) => (opts, handler) => dispatch(opts, new SentTracker(handler, sent)),
    );
    try {
      const [url, requestInit] = input instanceof Request ? fromRequest(input, init) : [input, init];
      // undici's fetch and the global Request/Response types differ only in undici's extra members.
      const response = await undiciFetch(url, { ...(requestInit as object), dispatcher });
      return response as unknown as Response;
    } catch (error) {
      const failure = closed ? closedError(error) : (proxyRefusedError(error) ?? error);
      throw sent.value ? failure : notSent(failure);
    }
  }) as NodeFetch;
  nodeFetch.close = async () => {
    closed = true;
    await router.destroy();
  };
  return nodeFetch;
}

/** The `code` of the error of {@link createNodeFetch} when the undici it loads cannot serve it. */
const UNSUPPORTED_UNDICI = 'DIGILOCKER_UNSUPPORTED_UNDICI';

/**
 * Fails at creation, in one line, when the undici loaded lacks what this fetch uses. Under Bun,
 * `require('undici')` is Bun's built-in stand-in, whose Dispatcher has no `compose` (nor its Agent a
 * `destroy`): every request would otherwise fail with "router.compose is not a function".
 */
function assertUndiciUsable(): void {
  if (typeof Dispatcher.prototype.compose === 'function') return;
  throw Object.assign(
    new TypeError(
      "digilocker-revocation/node runs on Node with undici 7 or 8: this runtime's undici has no Dispatcher.compose; use the global fetch",
    ),
    { code: UNSUPPORTED_UNDICI },
  );
}

/**
 * A global `Request` as a URL and an init for undici's fetch, whose own `Request` class is another one
 * (it would read a foreign Request as a URL string). `init` wins, as in fetch.
 */
function fromRequest(request: Request, init: RequestInit | undefined): [string, RequestInit] {
  const { method, headers, body, signal, redirect } = request;
  const base: RequestInit & { duplex?: 'half' } = { method, headers, signal, redirect };
  if (body !== null) Object.assign(base, { body, duplex: 'half' });
  return [request.url, { ...base, ...init }];
}

interface FetchSettings {
  connections: number;
  /** The proxy of every request, or of each scheme (from the environment), or none. */
  proxy: string | EnvironmentProxies;
}

/** The environment's proxies, checked: `undefined` is unset, `''` is set empty (no proxy). */
interface EnvironmentProxies {
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
}

const FETCH_OPTIONS: ReadonlySet<string> = new Set([
  'proxy',
  'connections',
] satisfies (keyof NodeFetchOptions)[]);

function normalizeFetchOptions(options: NodeFetchOptions): FetchSettings {
  assertOptions('createNodeFetch', options, FETCH_OPTIONS);
  const connections = integerInRange('connections', options.connections, 1, 65_536, DEFAULTS.connections);
  const proxy = options.proxy === undefined ? environmentProxies() : proxyUrl('proxy', options.proxy);
  return { connections, proxy };
}

function proxyUrl(name: string, value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' || value instanceof URL ? new URL(String(value)) : undefined;
  } catch {}
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw typeError(name, 'must be an http: or https: URL');
  }
  return url.href;
}

/**
 * The proxy of each scheme from the environment, read as undici's `EnvHttpProxyAgent` reads it (the
 * lower-case variable wins, even when empty; empty is no proxy), and checked now: undici would
 * otherwise fail only at the first request (a URL without a scheme), or quietly use a `socks5:` proxy.
 * The checked URLs are then handed to the agent, so that what was checked is what is used.
 */
function environmentProxies(): EnvironmentProxies {
  return {
    httpProxy: environmentProxy('http_proxy', 'HTTP_PROXY'),
    httpsProxy: environmentProxy('https_proxy', 'HTTPS_PROXY'),
  };
}

function environmentProxy(lower: string, upper: string): string | undefined {
  const name = process.env[lower] !== undefined ? lower : upper;
  const value = process.env[name];
  return value === undefined || value === '' ? value : proxyUrl(name, value);
}

/** Sends loopback requests over direct connections, and the others through the proxy, if any. */
class LoopbackDirect extends Dispatcher {
  readonly #direct: Agent;
  readonly #proxied: Dispatcher;

  constructor({ connections, proxy }: FetchSettings) {
    super();
    this.#direct = new Agent({ connections });
    this.#proxied =
      typeof proxy === 'string'
        ? new ProxyAgent({ uri: proxy, connections })
        : new EnvHttpProxyAgent({ connections, ...proxy });
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const { hostname } = new URL(String(options.origin));
    return (isLoopback(hostname) ? this.#direct : this.#proxied).dispatch(options, handler);
  }

  override close(): Promise<void> {
    return Promise.all([this.#direct.close(), this.#proxied.close()]).then(() => undefined);
  }

  override destroy(): Promise<void> {
    return Promise.all([this.#direct.destroy(), this.#proxied.destroy()]).then(() => undefined);
  }
}

/**
 * Passes every step of one request on to fetch's handler, and records when the request starts being
 * written: undici calls `onRequestStart` once the request has a connection, just before writing it
 * (fetch aborts it right there when its signal aborted while it waited, and then nothing is written).
 */
class SentTracker implements Dispatcher.DispatchHandler {
  constructor(
    readonly handler: Dispatcher.DispatchHandler,
    readonly sent: { value: boolean },
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.handler.onRequestStart?.(controller, context);
    if (!controller.aborted) this.sent.value = true;
  }

  onRequestUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>) {
    return this.handler.onRequestUpgrade?.(...args);
  }

  onResponseStart(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>) {
    return this.handler.onResponseStart?.(...args);
  }

  onResponseData(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseData']>>) {
    return this.handler.onResponseData?.(...args);
  }

  onResponseEnd(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>) {
    return this.handler.onResponseEnd?.(...args);
  }

  onResponseError(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseError']>>) {
    return this.handler.onResponseError?.(...args);
  }
}

/** The rejection of a request that was never written: the failure that stopped it is the cause. */
function notSent(cause: unknown): TypeError {
  return Object.assign(new TypeError('fetch failed: the request was never sent', { cause }), {
    code: REQUEST_NOT_SENT,
  });
}

/**
 * How undici says a proxy refused: a CONNECT answered other than 200 (HTTPS through the proxy), or a
 * 407 to a request forwarded in the clear. Its errors carry no status but in these messages.
 */
const PROXY_REFUSAL =
  /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$|^Proxy Authentication Required \((407)\)$/;

/**
 * undici's error for a proxy's refusal, as one whose `code` and `status` say so ({@link PROXY_REFUSED}).
 * The refusal lies a few causes deep (fetch's TypeError, an AbortError, then undici's own), each read as
 * a plain object: a DOMException is not an `Error` of every realm.
 */
function proxyRefusedError(error: unknown): TypeError | undefined {
  let current = error as { message?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const match = typeof current.message === 'string' ? PROXY_REFUSAL.exec(current.message) : null;
    if (match) {
      const status = Number(match[1] ?? match[2]);
      return Object.assign(new TypeError(`fetch failed: the proxy answered ${status}`, { cause: error }), {
        code: PROXY_REFUSED,
        status,
      });
    }
    current = current.cause as typeof current;
  }
  return undefined;
}

function closedError(cause?: unknown): TypeError {
  return Object.assign(new TypeError('fetch failed: this fetch was closed (close() was called)', { cause }), {
    code: FETCH_CLOSED,
  });
}
