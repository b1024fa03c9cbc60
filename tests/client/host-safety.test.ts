// Events and iteration never break the host: an onEvent that throws or rejects is ignored; a final
// failure is reported once; leaving a revokeMany while its input waits ends it at once; a signal shared
// by many workers collects no pile of listeners.
import {
  createRevocationClient,
  type RevocationClientOptions,
  type RevocationEvent,
  type RevocationOutcome,
  type TokenInput,
} from '../../src';
import { runChildScript } from '../support/child-script';
import { useLocalServer } from '../support/local-server';

const server = useLocalServer();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function client(extra: Partial<RevocationClientOptions> = {}) {
  return createRevocationClient({
    baseUrl: server.baseUrl,
    credentials: { clientId: 'id', clientSecret: 'secret' },
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    timeoutMs: 200,
    ...extra,
  });
}

/** An async input that yields `first`, then waits for ever for its next item. */
function stalledInput(first: string[]): AsyncIterable<TokenInput> & { returned: () => boolean } {
  let returned = false;
  async function* generate() {
    try {
      yield* first;
      await new Promise(() => {});
    } finally {
      returned = true;
    }
  }
  const iterable = generate();
  return Object.assign(iterable, { returned: () => returned });
}

describe('onEvent', () => {
  it('swallows a rejected promise it returns: the process neither crashes nor warns', async () => {
    const { code, stdout, stderr } = await runChildScript(
      `
      const client = lib.createRevocationClient({
        baseUrl: process.env.BASE_URL,
        credentials: { clientId: 'id', clientSecret: 'secret' },
        onEvent: async () => { throw new Error('log sink down'); },
      });
      const result = await client.revoke('tok');
      await new Promise((resolve) => setTimeout(resolve, 50));
      console.log(result.outcome);
    `,
      { BASE_URL: server.baseUrl },
    );
    expect({ code, stdout: stdout.trim(), stderr }).toEqual({ code: 0, stdout: 'revoked', stderr: '' });
  });

  it.each([
    ['a network failure', (request: { socket: { destroy(): void } }) => request.socket.destroy()],
    ['a timeout', () => {}],
  ])('reports the final error of %s once', async (_label, answer) => {
    server.handle((request) => answer(request));
    const events: RevocationEvent[] = [];
    await expect(client({ onEvent: (event) => events.push(event) }).revoke('tok')).rejects.toThrow();
    const errors = events.filter((event) => event.type === 'error');
    // One per failed attempt, the last of them the call's final error: never the same one twice.
    expect(errors.map((event) => event.attempt)).toEqual([1, 2]);
  });
});

describe('revokeMany', () => {
  it('ends at once on break while the input waits for its next item', async () => {
    const input = stalledInput(['a']);
    const started = performance.now();
    for await (const outcome of client().revokeMany(input)) {
      expect(outcome.ok).toBe(true);
      break;
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('ends at once on abort while the input waits for its next item', async () => {
    const input = stalledInput(['a']);
    const controller = new AbortController();
    const outcomes: RevocationOutcome[] = [];
    const started = performance.now();
    setTimeout(() => controller.abort(), 200);
    for await (const outcome of client().revokeMany(input, { signal: controller.signal }))
      outcomes.push(outcome);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(outcomes.map((o) => o.ok)).toEqual([true]);
  });

  it('lets the requests in flight settle after a break, leaving nothing unhandled', async () => {
    server.handle((_request, response, count) => setTimeout(() => response.end(), count === 1 ? 0 : 100));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for await (const _ of client().revokeMany(['a', 'b', 'c', 'd'], { concurrency: 4 })) break;
      await sleep(300);
      expect(server.requests.length).toBeGreaterThanOrEqual(4);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  /** Runs `body` in a child process with `client`, over global fetch or createNodeFetch, 20 ms a request. */
  function runWithClient(transport: string, body: string) {
    server.handle((_request, response) => setTimeout(() => response.end(), 20));
    const fetch =
      transport === 'global fetch' ? 'undefined' : '(await import(process.env.NODE_ENTRY)).createNodeFetch()';
    const script = `
      const client = lib.createRevocationClient({
        baseUrl: process.env.BASE_URL,
        credentials: { clientId: 'id', clientSecret: 'secret' },
        timeoutMs: 20000,
        fetch: ${fetch},
      });
      ${body}
      process.exit(0);`;
    const NODE_ENTRY = require.resolve('../../dist/node/index.js');
    return runChildScript(script, { BASE_URL: server.baseUrl, NODE_ENTRY });
  }

  it.each([
    { label: 'with', signal: 'new AbortController().signal', transport: 'global fetch' },
    { label: 'without', signal: 'undefined', transport: 'global fetch' },
    { label: 'with', signal: 'new AbortController().signal', transport: 'the Node transport' },
  ])(
    'adds no MaxListenersExceededWarning: revokeMany $label a signal at concurrency 64 over $transport',
    async ({ signal, transport }) => {
      const { code, stdout, stderr } = await runWithClient(
        transport,
        `const tokens = Array.from({ length: 256 }, (_, i) => 'token-' + i);
      let revoked = 0;
      for await (const outcome of client.revokeMany(tokens, { concurrency: 64, signal: ${signal} })) if (outcome.ok) revoked++;
      console.log(revoked);`,
      );
      expect({ code, stdout: stdout.trim(), stderr }).toEqual({ code: 0, stdout: '256', stderr: '' });
    },
  );

  it.each(['global fetch', 'the Node transport'])(
    'adds no MaxListenersExceededWarning when 64 revoke calls at once share one signal, over %s',
    async (transport) => {
      const { code, stdout, stderr } = await runWithClient(
        transport,
        `const shutdown = new AbortController();
      const tokens = Array.from({ length: 64 }, (_, i) => 'token-' + i);
      const results = await Promise.all(tokens.map((token) => client.revoke(token, { signal: shutdown.signal })));
      console.log(results.filter((result) => result.outcome === 'revoked').length);`,
      );
      expect({ code, stdout: stdout.trim(), stderr }).toEqual({ code: 0, stdout: '64', stderr: '' });
    },
  );
});
