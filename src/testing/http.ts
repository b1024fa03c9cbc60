import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS } from '../defaults';
import type { MockFault } from './faults';

/** The most bytes of a request body the mock reads: as much as the client reads of an answer. */
const MAX_BODY_BYTES = LIMITS.maxResponseBodyBytes;

export const ALLOW_POST = { Allow: 'POST' };
export const TWO_METHODS =
  'The client must not use more than one authentication method (RFC 6749 section 2.3): credentials both in the Authorization header and in the body';

/**
 * True when the request authenticates in the Authorization header and with client_secret in the body
 * too, which RFC 6749 section 2.3 forbids. (A client_id alone in the body identifies, it does not
 * authenticate.)
 */
export function usesTwoAuthenticationMethods(
  request: IncomingMessage,
  fields: Record<string, unknown>,
): boolean {
  return request.headers.authorization !== undefined && fields.client_secret !== undefined;
}

/** The request's media type, lower-cased, without parameters. */
export function mediaTypeOf(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Reads the whole body as UTF-8; undefined as soon as it is known to exceed the limit (a declared
 * Content-Length over it, or the bytes read so far), without reading the rest.
 */
export function readBody(request: IncomingMessage, done: (body: string | undefined) => void): void {
  if (Number(request.headers['content-length']) > MAX_BODY_BYTES) {
    request.pause();
    done(undefined);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
    request.off('data', onData).off('end', onEnd).pause();
    done(undefined);
  };
  const onEnd = () => done(Buffer.concat(chunks).toString('utf8'));
  request.on('data', onData).on('end', onEnd);
}

/**
 * The body's fields; undefined when a JSON body is not an object. In a form body, a parameter sent
 * without a value is treated as omitted (RFC 6749 section 3.1), e.g. `token_type_hint=`.
 */
export function parseBody(mediaType: string, body: string): Record<string, unknown> | undefined {
  if (mediaType === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(body)) if (value !== '') fields[name] = value;
    return fields;
  }
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function sendFaultStatus(
  response: ServerResponse,
  fault: Extract<MockFault, { type: 'status' }>,
): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
  response.writeHead(fault.status, headers);
  response.end(
    fault.body ?? JSON.stringify({ error: 'injected_fault', error_description: `Injected ${fault.status}` }),
  );
}

export function sendError(
  response: ServerResponse,
  status: number,
  error: string,
  description: string,
  extraHeaders: Record<string, string> = {},
): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...extraHeaders };
  if (status === 401) headers['WWW-Authenticate'] = 'Basic realm="digilocker"';
  response.writeHead(status, headers);
  response.end(JSON.stringify({ error, error_description: description }));
}
