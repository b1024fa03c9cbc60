// The other candidate for `createNodeTransport`, kept for the benchmark's Pool-vs-Agent comparison:
// the same fetch-compatible contract over keep-alive `node:http`/`node:https` Agents, as
// createNodeTransport was built before it moved to undici's Pool (see the README's Performance section).
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';

var NULL_BODY_STATUSES = /* @__PURE__ */ new Set([101, 204, 205, 304]);
var MAX_CACHED_URLS = 64;
/** A fetch-compatible function over keep-alive node:http/node:https Agents, with `close()`. */
export function createAgentTransport(options = {}) {
  const maxSockets = options.maxSockets ?? 64;
  const timeout = options.idleTimeoutMs ?? 3e4;
  if (!Number.isInteger(maxSockets) || maxSockets < 1)
    throw new RangeError('maxSockets must be a positive integer');
  if (!Number.isInteger(timeout) || timeout < 1)
    throw new RangeError('idleTimeoutMs must be a positive integer');
  const agentOptions = { keepAlive: true, maxSockets, timeout, scheduling: 'lifo' };
  const agents = { 'http:': new HttpAgent(agentOptions), 'https:': new HttpsAgent(agentOptions) };
  const targets = /* @__PURE__ */ new Map();
  const targetOf = (url) => {
    let target = targets.get(url);
    if (target === void 0) {
      const parsed = new URL(url);
      const protocol = parsed.protocol;
      if (protocol !== 'http:' && protocol !== 'https:') return void 0;
      const { hostname, port, path, auth } = urlToHttpOptions(parsed);
      target = {
        send: protocol === 'https:' ? httpsRequest : httpRequest,
        options: { protocol, hostname, port, path, agent: agents[protocol] },
        host: parsed.host,
        authorization: auth ? `Basic ${Buffer.from(auth).toString('base64')}` : void 0,
      };
      if (targets.size >= MAX_CACHED_URLS) targets.clear();
      targets.set(url, target);
    }
    return target;
  };
  const transport = (input, init = {}) => {
    try {
      if (typeof input === 'string' || input instanceof URL) {
        const { method = 'GET', headers, body, signal } = init;
        return send(String(input), method, toHeaderList(headers), toBody(body), signal);
      }
      if (input instanceof Request) return requestParts(input, init).then((parts) => send(...parts));
      return send(
        String(input.url),
        init.method ?? input.method ?? 'GET',
        toHeaderList(init.headers ?? input.headers),
        toBody(init.body !== void 0 ? init.body : input.body),
        init.signal ?? input.signal,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  };
  function send(url, method, headers, body, signal) {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let target;
    try {
      target = targetOf(url);
    } catch (error) {
      return Promise.reject(error);
    }
    if (target === void 0)
      return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${new URL(url).protocol}`));
    if (!hasHeader(headers, 'host')) headers.push('host', target.host);
    if (target.authorization !== void 0 && !hasHeader(headers, 'authorization'))
      headers.push('authorization', target.authorization);
    if (body !== void 0) headers.push('content-length', String(Buffer.byteLength(body)));
    const options2 = { ...target.options, method, headers };
    return new Promise((resolve, reject) => {
      const request = target.send(options2);
      let onAbort;
      if (signal) {
        onAbort = () => {
          request.destroy();
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      const fail = (cause) => {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        reject(new TypeError('fetch failed', { cause }));
      };
      request.on('error', fail);
      request.on('response', (response) => {
        let chunks;
        response.on('data', (chunk) => {
          if (chunks === void 0) chunks = [chunk];
          else chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('aborted', () =>
          fail(Object.assign(new Error('The response was cut off'), { code: 'ECONNRESET' })),
        );
        response.on('end', () => {
          if (onAbort) signal?.removeEventListener('abort', onAbort);
          resolve(toResponse(response, chunks));
        });
      });
      request.end(body);
    });
  }
  transport.close = () => {
    agents['http:'].destroy();
    agents['https:'].destroy();
  };
  return transport;
}
async function requestParts(request, init) {
  const body =
    init.body !== void 0
      ? toBody(init.body)
      : request.body === null
        ? void 0
        : new Uint8Array(await request.arrayBuffer());
  return [
    request.url,
    init.method ?? request.method,
    toHeaderList(init.headers ?? request.headers),
    body,
    init.signal ?? request.signal,
  ];
}
function toHeaderList(headers) {
  const list = [];
  if (headers === void 0) return list;
  if (headers instanceof Headers) {
    headers.forEach((value, name) => {
      if (name !== 'content-length') list.push(name, value);
    });
    return list;
  }
  const entries = Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (lower !== 'content-length') list.push(lower, String(value));
  }
  return list;
}
function hasHeader(list, name) {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return true;
  return false;
}
function toBody(body) {
  if (body === void 0 || body === null) return void 0;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError(
    'createNodeTransport supports string, Uint8Array, ArrayBuffer and URLSearchParams bodies',
  );
}
function toResponse(response, chunks) {
  const status = response.statusCode ?? 0;
  let body = null;
  if (chunks !== void 0 && !NULL_BODY_STATUSES.has(status))
    body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  const result = new Response(body, { status, statusText: response.statusMessage ?? '' });
  const headers = result.headers;
  const raw = response.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  return result;
}
