// Events and iteration never break the host: an onEvent that throws or rejects is ignored; a final
// failure is reported once; leaving a revokeMany while its input waits ends it at once; a signal shared
// by many workers collects no pile of listeners.
import {
  NetworkError,
  type RevocationClientOptions,
  type RevocationEvent,
  type RevocationOutcome,
  TimeoutError,
  type TokenInput,
} from '../../src';
import { testClient } from '../support/clients';
import { useLocalServer } from '../support/local-server';

const server = useLocalServer();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const client = (extra: Partial<RevocationClientOptions> = {}) =>
  testClient({
    baseUrl: server.baseUrl,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    timeoutMs: 200,
    ...extra,
  });

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
  it.each([
    [
      'a network failure',
      (request: { socket: { destroy(): void } }) => request.socket.destroy(),
      NetworkError,
    ],
    ['a timeout', () => {}, TimeoutError],
  ])('reports the final error of %s once', async (_label, answer, ErrorClass) => {
    server.handle((request) => answer(request));
    const events: RevocationEvent[] = [];
    await expect(client({ onEvent: (event) => events.push(event) }).revoke('tok')).rejects.toThrow(
      ErrorClass,
    );
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
});
