// Every byte from a server is hostile: the client reads at most 64 KiB of any response body, then stops
// reading and releases the connection, on global fetch and on createNodeFetch alike. A huge error
// body costs no memory and is never a reason to retry; an endless 200 body does not hold the call.
import type { ServerResponse } from 'node:http';
import { brotliCompressSync } from 'node:zlib';
import { InvalidTokenError, LIMITS, type RevocationClientOptions, UnexpectedResponseError } from '../../src';
import { testClient } from '../support/clients';
import { useLocalServer } from '../support/local-server';
import { nodeFetches } from '../support/node-fetches';

const server = useLocalServer();

/** Writes `totalBytes` of `fill` in 1 MiB chunks as fast as the socket takes them, or forever. */
function stream(response: ServerResponse, fill: string, totalBytes = Number.POSITIVE_INFINITY) {
  const chunk = Buffer.alloc(1024 * 1024, fill);
  let sent = 0;
  const pump = () => {
    while (sent < totalBytes) {
      sent += chunk.length;
      if (response.destroyed) return;
      if (!response.write(chunk)) return void response.once('drain', pump);
    }
    response.end();
  };
  response.on('close', () => {
    sent = totalBytes;
  });
  pump();
}

/** The rejection of one revoke, and how much resident and buffer memory grew meanwhile. */
async function revokeMeasuringMemory(revoker: { revoke(token: string): Promise<unknown> }) {
  global.gc?.();
  const before = process.memoryUsage();
  const error = await revoker.revoke('tok').catch((e: unknown) => e);
  const after = process.memoryUsage();
  return { error, growth: after.rss - before.rss + (after.arrayBuffers - before.arrayBuffers) };
}

/** A brotli body of a few hundred bytes that inflates to 160 MiB of spaces (made once). */
let compressedBomb: Buffer | undefined;
function bomb(): Buffer {
  compressedBomb ??= brotliCompressSync(Buffer.alloc(160 * 2 ** 20, ' '));
  return compressedBomb;
}

describe.each(nodeFetches())('with %s', (_, fetch) => {
  const client = (extra: Partial<RevocationClientOptions> = {}) =>
    testClient({
      baseUrl: server.baseUrl,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      timeoutMs: 20_000,
      ...(fetch ? { fetch } : {}),
      ...extra,
    });

  it('reads no more than 64 KiB of a 300 MB error body, and does not retry the 400', async () => {
    server.handle((_request, response) => {
      response.writeHead(400, {
        'content-type': 'application/json',
        'content-length': String(300 * 2 ** 20),
      });
      stream(response, ' ', 300 * 2 ** 20);
    });
    const { error, growth } = await revokeMeasuringMemory(client());
    expect(error).toBeInstanceOf(UnexpectedResponseError); // 64 KiB of spaces: not an OAuth error
    expect(error).toMatchObject({ status: 400, attempts: 1, retryable: false });
    expect(server.requests).toHaveLength(1);
    expect(growth).toBeLessThan(100 * 2 ** 20);
  });

  it('reads a 500 body of unknown length only up to the cap, then retries the 500 as usual', async () => {
    server.handle((_request, response, count) => {
      if (count > 1) return void response.end();
      response.writeHead(500, { 'content-type': 'text/plain' });
      stream(response, 'x'); // chunked, endless
    });
    const started = performance.now();
    const result = await client().revoke('tok');
    expect(result).toMatchObject({ outcome: 'revoked', attempts: 2 });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('confirms an endless 200 on its status, without waiting for the body to end', async () => {
    server.handle((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      stream(response, ' ');
    });
    const started = performance.now();
    const result = await client().revoke('tok');
    expect(result).toMatchObject({ outcome: 'revoked', status: 200, attempts: 1 });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('confirms a 200 whose body trickles past the attempt deadline, with one request', async () => {
    server.handle((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => response.write(' '), 20); // never ends
      response.on('close', () => clearInterval(drip));
    });
    const events: string[] = [];
    const result = await client({ timeoutMs: 200, onEvent: (event) => events.push(event.type) }).revoke(
      'tok',
    );
    expect(result).toMatchObject({ outcome: 'revoked', confirmed: true, status: 200, attempts: 1 });
    expect(server.requests).toHaveLength(1);
    expect(events).toEqual(['request', 'response']);
  });

  it('reads no more than the cap of a small compressed error body that inflates to 160 MiB', async () => {
    const compressed = bomb();
    server.handle((_request, response) => {
      response.writeHead(400, {
        'content-type': 'application/json',
        'content-encoding': 'br',
        'content-length': String(compressed.length),
      });
      response.end(compressed);
    });
    const { error, growth } = await revokeMeasuringMemory(client());
    expect(compressed.length).toBeLessThan(LIMITS.maxResponseBodyBytes);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ status: 400, attempts: 1 });
    expect(growth).toBeLessThan(100 * 2 ** 20);
  });

  it('still understands an OAuth error that fits in the cap', async () => {
    const padding = ' '.repeat(LIMITS.maxResponseBodyBytes - 100);
    server.handle((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(`${padding}{"error":"invalid_token"}`);
    });
    await expect(client().revoke('tok')).rejects.toBeInstanceOf(InvalidTokenError);
  });
});
