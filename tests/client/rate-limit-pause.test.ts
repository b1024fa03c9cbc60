// A 429 pauses every worker of a revokeMany, but never beyond each call's own time budget, which counts
// from when the pool started the call: a pause longer than what is left fails the call at once with
// RateLimitedError and the wait DigiLocker asked for. No timer is ever armed beyond 2^31 - 1 ms.
import {
  createRevocationClient,
  RateLimitedError,
  type RevocationClientOptions,
  type RevocationOutcome,
} from '../../src';
import { runChildScript } from '../support/child-script';
import { useLocalServer } from '../support/local-server';

const server = useLocalServer();

function client(extra: Partial<RevocationClientOptions> = {}) {
  return createRevocationClient({
    baseUrl: server.baseUrl,
    credentials: { clientId: 'id', clientSecret: 'secret' },
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxElapsedMs: 2000 },
    ...extra,
  });
}

async function collect(outcomes: AsyncIterable<RevocationOutcome>): Promise<RevocationOutcome[]> {
  const all: RevocationOutcome[] = [];
  for await (const outcome of outcomes) all.push(outcome);
  return all;
}

/** Answers the first request with a 429 and `retryAfter`, every other one with 200 after `delayMs`. */
function firstRateLimited(retryAfter: string, delayMs = 20) {
  server.handle((_request, response, count) => {
    if (count === 1) {
      response.writeHead(429, { 'retry-after': retryAfter }).end();
      return;
    }
    setTimeout(() => response.end(), delayMs);
  });
}

describe('the shared rate-limit pause of revokeMany', () => {
  it('fails the waiting calls at once when DigiLocker asks for an hour and the budget is 2 s', async () => {
    firstRateLimited('3600');
    const tokens = Array.from({ length: 20 }, (_, i) => `token-${i}`);
    const started = performance.now();
    const outcomes = await collect(client().revokeMany(tokens, { concurrency: 4 }));
    const elapsed = performance.now() - started;

    expect(outcomes).toHaveLength(20);
    expect(elapsed).toBeLessThan(5000);
    const limited = outcomes.filter((o) => !o.ok);
    expect(limited.length).toBeGreaterThanOrEqual(16); // all but the three sent alongside the first
    for (const outcome of limited) {
      const { error } = outcome as Extract<RevocationOutcome, { ok: false }>;
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(3_590_000);
      expect((error as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(3_600_000);
    }
    // Only what was in flight with the 429 reached the server: nobody kept sending during the pause.
    expect(server.requests.length).toBeLessThanOrEqual(4);
  });

  it('waits out a pause shorter than the budget, then sends', async () => {
    firstRateLimited('1', 0);
    const outcomes = await collect(client().revokeMany(['a', 'b', 'c'], { concurrency: 1 }));
    // The first call retried after its Retry-After; the others waited for the same pause.
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    expect(server.requests).toHaveLength(4);
  });

  it('counts the time spent waiting on the pause against the budget of a call the pool started', async () => {
    // a gets a 429 with Retry-After: 1 s; b, sent alongside, succeeds after 50 ms; c starts then, with
    // 950 ms of pause left and 850 ms of its 900 ms budget: it fails at once instead of waiting.
    firstRateLimited('1', 50);
    const tight = client({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxElapsedMs: 900 } });
    const started = performance.now();
    const outcomes = await collect(tight.revokeMany(['a', 'b', 'c'], { concurrency: 2 }));
    expect(performance.now() - started).toBeLessThan(700);
    const byIndex = outcomes.sort((x, y) => x.index - y.index);
    expect(byIndex.map((o) => o.ok)).toEqual([false, true, false]);
    const c = byIndex[2] as Extract<RevocationOutcome, { ok: false }>;
    expect(c.error).toBeInstanceOf(RateLimitedError);
    expect(c.error).toMatchObject({ attempts: 0, retryable: true });
    expect(server.requests).toHaveLength(2);
  });

  it('never arms a timer beyond 2^31 - 1 ms, whatever Retry-After says', async () => {
    firstRateLimited('99999999999'); // about 3,000 years
    const { code, stdout, stderr } = await runChildScript(
      `
      const client = lib.createRevocationClient({
        baseUrl: process.env.BASE_URL,
        credentials: { clientId: 'id', clientSecret: 'secret' },
        retry: { maxElapsedMs: 2000 },
      });
      const started = performance.now();
      const outcomes = [];
      for await (const o of client.revokeMany(['a', 'b', 'c', 'd'], { concurrency: 1 })) outcomes.push(o);
      console.log(JSON.stringify({
        ms: performance.now() - started,
        codes: outcomes.map((o) => o.ok ? 'ok' : o.error.code),
        finite: outcomes.every((o) => o.ok || Number.isFinite(o.error.retryAfterMs)),
      }));
    `,
      { BASE_URL: server.baseUrl },
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' }); // no TimeoutOverflowWarning
    const report = JSON.parse(stdout);
    expect(report.ms).toBeLessThan(3000);
    expect(report.codes).toEqual(['rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    expect(report.finite).toBe(true);
  });

  it('rejects a single revoke at once when Retry-After outlasts the budget, with the wait asked for', async () => {
    firstRateLimited('3600');
    const started = performance.now();
    const error = await client()
      .revoke('tok')
      .catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(3_600_000);
    expect((error as RateLimitedError).status).toBe(429);
  });
});
