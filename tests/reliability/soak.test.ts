// Soak: 20,000 tokens through revokeMany with about 10% seeded random faults. Every input gets exactly
// one outcome, what the client reports agrees with what the mock did, nothing is left unhandled, and
// the heap does not grow with the number of tokens.
//
// The client runs in a child process, on the built package: the heap it measures is the client's
// alone. Measured inside a Jest worker that has run other suites, under coverage, V8's compiled code for
// the modules Jest loads again per suite grew the heap by 26 to 40 MB within this one test, none of it
// the client's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockDigiLocker, type MockFault, startMockDigiLocker } from '../../src/testing';
import { runChildScript } from '../support/child-script';
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

/** What the child prints: how many outcomes each input got, which were ok, and the heap after GC. */
interface SoakReport {
  /** One digit per input: how many outcomes it got. */
  outcomes: string;
  /** One digit per input: 1 when its outcome was ok. */
  ok: string;
  heapAt5000: number;
  heapAtEnd: number;
}

// The child: revokes every token of TOKENS_FILE through revokeMany over createNodeFetch.
const CHILD = `
  const { readFileSync } = await import('node:fs');
  const { createNodeFetch } = await import('digilocker-revocation/node');
  const tokens = JSON.parse(readFileSync(process.env.TOKENS_FILE, 'utf8'));
  const transport = createNodeFetch();
  const client = lib.createRevocationClient({
    baseUrl: process.env.BASE_URL,
    credentials: { clientId: process.env.CLIENT_ID, clientSecret: process.env.CLIENT_SECRET },
    fetch: transport,
    // Enough attempts that a run of faults on one token is vanishingly rare.
    retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 4 },
    timeoutMs: 2000,
  });
  const outcomes = new Uint8Array(tokens.length);
  const ok = new Uint8Array(tokens.length);
  let count = 0;
  let heapAt5000 = 0;
  for await (const outcome of client.revokeMany(tokens, { concurrency: 32 })) {
    outcomes[outcome.index]++;
    if (outcome.ok) ok[outcome.index] = 1;
    if (++count === 5000) {
      gc();
      heapAt5000 = process.memoryUsage().heapUsed;
    }
  }
  gc();
  const heapAtEnd = process.memoryUsage().heapUsed;
  await transport.close();
  console.log(JSON.stringify({ outcomes: outcomes.join(''), ok: ok.join(''), heapAt5000, heapAtEnd }));
`;

let digilocker: MockDigiLocker;
let scratch: string;

beforeAll(async () => {
  digilocker = await startMockDigiLocker();
  scratch = mkdtempSync(join(tmpdir(), 'digilocker-soak-'));
});
afterAll(async () => {
  await digilocker.close();
  rmSync(scratch, { recursive: true, force: true });
});

it(`revokes ${TOKENS} tokens with ~10% seeded faults: one outcome each, consistent with the mock, flat heap`, async () => {
  const random = seededRandom(SEED);
  const tokens = Array.from({ length: TOKENS }, () => digilocker.issueTokens().accessToken);
  // One queue entry per expected request: a fault about one time in ten, else a no-op.
  for (let i = 0; i < TOKENS * 1.2; i++) {
    const fault = random() < 0.1 ? FAULTS[Math.floor(random() * FAULTS.length)] : undefined;
    digilocker.inject(fault ?? { type: 'delay', ms: 0 });
  }
  const tokensFile = join(scratch, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify(tokens));

  const { code, stdout, stderr } = await runChildScript(
    CHILD,
    {
      TOKENS_FILE: tokensFile,
      BASE_URL: digilocker.baseUrl,
      CLIENT_ID: digilocker.clientId,
      CLIENT_SECRET: digilocker.clientSecret,
    },
    { execArgv: ['--expose-gc'], timeoutMs: 100_000 },
  );
  // A rejection left unhandled ends the child with exit code 1 and its stack on stderr.
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const report = JSON.parse(stdout) as SoakReport;

  expect(report.outcomes).toBe('1'.repeat(TOKENS));
  expect(report.ok).toBe('1'.repeat(TOKENS));
  // Every token reported revoked is revoked at the mock (all of them, here).
  expect(tokens.filter((token) => digilocker.isActive(token))).toEqual([]);
  expect(digilocker.stats.faults).toBeGreaterThan(TOKENS * 0.08);
  expect(report.heapAtEnd - report.heapAt5000).toBeLessThan(10 * 1024 * 1024);
}, 120_000);
