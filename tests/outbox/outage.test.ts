// DigiLocker answers 503 for 20 seconds while 500 sign-outs are queued: queueing is as fast as
// without the outage (it never waits on DigiLocker), and once the outage ends every token is revoked.
import pg from 'pg';
import { openRevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

const OUTAGE_MS = 20_000;
const SIGN_OUTS = 500;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Enqueues as `users` concurrent request handlers would, each waiting for its own; the latencies. */
async function timedEnqueues(enqueue: () => Promise<unknown>, count: number, users = 10): Promise<number[]> {
  const latencies: number[] = [];
  let left = count;
  const user = async () => {
    while (left-- > 0) {
      const startedAt = performance.now();
      await enqueue();
      latencies.push(performance.now() - startedAt);
    }
  };
  await Promise.all(Array.from({ length: users }, user));
  return latencies;
}

describeWithPostgres('an outage of DigiLocker', () => {
  let mock: MockDigiLocker;
  const schema = uniqueSchema('outage');
  beforeAll(async () => {
    mock = await startMockDigiLocker();
  });
  afterAll(async () => {
    await mock.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  test('503 for 20 s: enqueue latency is unaffected, and every token ends revoked after it', async () => {
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: DATABASE_URL as string },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 200,
      retry: { minDelaySeconds: 2, maxDelaySeconds: 4 },
    });
    try {
      outbox.start();
      const warmup = Array.from({ length: 100 }, () => mock.issueTokens());
      const before = await timedEnqueues(() => outbox.enqueue(warmup.pop() as never), warmup.length);

      mock.inject({ type: 'status', status: 503 }, { times: 1_000_000 });
      const outageStartedAt = Date.now();
      const sessions = Array.from({ length: SIGN_OUTS }, () => mock.issueTokens());
      let next = 0;
      const during = await timedEnqueues(() => outbox.enqueue(sessions[next++] as never), SIGN_OUTS);
      const queuedInMs = Date.now() - outageStartedAt;
      process.stdout.write(
        `enqueue latency p50/p99: ${percentile(before, 50).toFixed(1)}/${percentile(before, 99).toFixed(1)} ms before, ` +
          `${percentile(during, 50).toFixed(1)}/${percentile(during, 99).toFixed(1)} ms during the outage; ${SIGN_OUTS} queued in ${queuedInMs} ms\n`,
      );
      expect(queuedInMs).toBeLessThan(OUTAGE_MS); // all queued during the outage
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - outageStartedAt)));
      expect(sessions.every((tokens) => mock.isActive(tokens.refreshToken))).toBe(true);
      mock.clearFaults();

      const stats = await outbox.drain();
      expect(stats).toMatchObject({ queued: 0, retrying: 0, dead: 0, expired: 0, revoked: SIGN_OUTS + 100 });
      expect(
        sessions.filter((tokens) => mock.isActive(tokens.refreshToken) || mock.isActive(tokens.accessToken)),
      ).toEqual([]);
      const [p50Before, p50During] = [percentile(before, 50), percentile(during, 50)];
      // Unaffected: the same order of magnitude (the machine is shared, so not to the millisecond).
      expect(p50During).toBeLessThan(p50Before * 3 + 5);
    } finally {
      await outbox.close();
    }
  }, 120_000);
});
