// A 2xx is the answer as soon as its status arrives: a 200 whose (unneeded) body trickles is revoked,
// whatever happens while its body is read (so that its connection is reused): an abort, or the
// attempt's time running out, which bounds that read (the connection then closes).
// Against a real node:http server, with global fetch and createNodeFetch.
import type { ServerResponse } from 'node:http';
import type { RevocationClientOptions } from '../../src';
import { testClient } from '../support/clients';
import { useLocalServer } from '../support/local-server';
import { nodeFetches } from '../support/node-fetches';

const server = useLocalServer();

/** Far longer than any assertion below waits: reaching it would mean the body held the call. */
const TIMEOUT_MS = 4000;

/** Answers 200 at once, then writes one space of its body every 50 ms, forever; `closed` when the client hangs up. */
function trickling200() {
  let hungUp: () => void = () => {};
  const closed = new Promise<void>((resolve) => (hungUp = resolve));
  server.handle((_request, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{');
    const drip = setInterval(() => response.write(' '), 50);
    response.on('close', () => {
      clearInterval(drip);
      hungUp();
    });
  });
  return { closed };
}

describe.each(nodeFetches())('with %s', (_, fetch) => {
  const client = (extra: Partial<RevocationClientOptions> = {}) =>
    testClient({
      baseUrl: server.baseUrl,
      timeoutMs: TIMEOUT_MS,
      ...(fetch ? { fetch } : {}),
      ...extra,
    });

  it('a 200 whose body trickles is revoked, its body read no longer than timeoutMs', async () => {
    const { closed } = trickling200();
    const started = performance.now();
    const result = await client({ timeoutMs: 1000 }).revoke('tok');
    expect(result).toMatchObject({ outcome: 'revoked', confirmed: true, status: 200, attempts: 1 });
    await closed; // the client hung up at the attempt's time instead of reading on
    expect(performance.now() - started).toBeGreaterThan(900);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('keeps the 200 when the caller aborts while its body is still arriving', async () => {
    trickling200();
    const controller = new AbortController();
    const revoking = client().revoke('tok', { signal: controller.signal });
    const abort = setTimeout(() => controller.abort(), 300);
    try {
      await expect(revoking).resolves.toMatchObject({ outcome: 'revoked', status: 200 });
    } finally {
      clearTimeout(abort);
    }
  });

  it('a revokeMany slot held by a trickling 200 is freed at timeoutMs, each token revoked', async () => {
    trickling200();
    const started = performance.now();
    const outcomes = [];
    const many = client({ timeoutMs: 500 }).revokeMany(['tok-1', 'tok-2', 'tok-3'], { concurrency: 1 });
    for await (const outcome of many) outcomes.push(outcome);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true]);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
