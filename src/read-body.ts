import { LIMITS } from './defaults';
import { ignore } from './ignore';

/**
 * The text of a response body, of at most `maxBytes` bytes: whatever comes after is never read, and
 * the stream is cancelled, which releases (closes) the connection. A server controls a body's size and
 * pace; a revocation needs no more than an OAuth error's few hundred bytes of it.
 */
export async function readCappedText(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number = LIMITS.maxResponseBodyBytes,
): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let room = maxBytes;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      if (value.byteLength >= room) {
        text += decoder.decode(value.subarray(0, room));
        void reader.cancel().catch(ignore);
        return text;
      }
      room -= value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The response with at most `maxBytes` of its body, read now: a copy openapi-fetch may read whole. A
 * declared length is no bound to trust (fetch decompresses, so a small one may hide any size), and the
 * body is read here, not later, so that the caller knows when reading it fails.
 */
export async function withCappedBody(response: Response, maxBytes = LIMITS.maxResponseBodyBytes) {
  const text = await readCappedText(response.body, maxBytes);
  const copied = new Headers(response.headers);
  for (const name of ['content-length', 'content-encoding', 'transfer-encoding']) copied.delete(name);
  return new Response(NULL_BODY_STATUSES.has(response.status) || text === '' ? null : text, {
    status: response.status,
    statusText: response.statusText,
    headers: copied,
  });
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
