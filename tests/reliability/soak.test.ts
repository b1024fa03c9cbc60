// Soak: 20,000 tokens through revokeMany with about 10% seeded random faults. Every input gets exactly
// one outcome, what the client reports agrees with what the mock did, nothing is left unhandled, and
// the heap does not grow with the number of tokens.
import { createRevocationClient, type RevocationOutcome } from '../../src';
import { createNodeFetch } from '../../src/node';
import { type MockDigiLocker, type MockFault, startMockDigiLocker } from '../../src/testing';
import { seededRandom } from './seeded-random';

const TOKENS = 20_000;
const SEED = 20261124;

const FAULTS: MockFault[] = [
  { type: 'status', status: 503 },
  { type: 'status', status: 500 },
  { type: 'drop', revoke: false },
  { type: 'drop', revoke: true },
  { type: 'delay', ms: 5 },
];

let digilocker: MockDigiLocker;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  digilocker = await startMockDigiLocker();
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await digilocker.close();
});

it(`revokes ${TOKENS} tokens with ~10% seeded faults: one outcome each, consistent with the mock, flat heap`, async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the tests with node --expose-gc (npm test does)');
  const random = seededRandom(SEED);
  const tokens = Array.from({ length: TOKENS }, () => digilocker.issueTokens().accessToken);
  // One queue entry per expected request: a fault about one time in ten, else a no-op.
  for (let i = 0; i < TOKENS * 1.2; i++) {
    const fault = random() < 0.1 ? FAULTS[Math.floor(random() * FAULTS.length)] : undefined;
    digilocker.inject(fault ?? { type: 'delay', ms: 0 });
  }

  const transport = createNodeFetch();
  const client = createRevocationClient({
    baseUrl: digilocker.baseUrl,
    credentials: { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret },
    fetch: transport,
    random,
    // Enough attempts that a run of faults on one token is vanishingly rare.
    retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 4 },
    timeoutMs: 2000,
  });

  const seen = new Uint8Array(TOKENS);
  const failures: RevocationOutcome[] = [];
  let count = 0;
  let heapAt5000 = 0;
  let heapAtEnd = 0;
  try {
    for await (const outcome of client.revokeMany(tokens, { concurrency: 32 })) {
      seen[outcome.index] = (seen[outcome.index] ?? 0) + 1;
      const token = tokens[outcome.index] as string;
      if (outcome.ok) expect(digilocker.isActive(token)).toBe(false);
      else failures.push(outcome);
      count++;
      if (count === 5000) {
        gc();
        heapAt5000 = process.memoryUsage().heapUsed;
      }
    }
    gc();
    heapAtEnd = process.memoryUsage().heapUsed;
  } finally {
    await transport.close();
  }

  expect(count).toBe(TOKENS);
  expect(seen.every((times) => times === 1)).toBe(true);
  expect(failures).toEqual([]);
  // Every token the mock reports revoked was reported revoked (all of them, here).
  expect(tokens.filter((token) => digilocker.isActive(token))).toEqual([]);
  expect(digilocker.stats.faults).toBeGreaterThan(TOKENS * 0.08);
  expect(unhandled).toEqual([]);
  expect(heapAtEnd - heapAt5000).toBeLessThan(10 * 1024 * 1024);
}, 120_000);
