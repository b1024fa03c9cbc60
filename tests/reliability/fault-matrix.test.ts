// The fault matrix: every fault the mock DigiLocker can inject, times each encoding and authentication
// method the client allows, times both transports. For each: the outcome or error class, the attempts,
// and whether the token ends revoked on the mock. FAULT_MATRIX_OUT=<file> writes the table to a file.
import { writeFileSync } from 'node:fs';
import {
  clientCredentialsTokenProvider,
  createRevocationClient,
  InvalidClientError,
  InvalidTokenError,
  RateLimitedError,
  type RevocationClientOptions,
  UnexpectedResponseError,
} from '../../src';
import { createNodeFetch, type NodeFetch } from '../../src/node';
import { type MockDigiLocker, type MockFault, startMockDigiLocker } from '../../src/testing';

type Expected =
  | { outcome: 'revoked'; confirmed: boolean; attempts: number; revokedOnMock: boolean }
  | { error: new (...args: never[]) => Error; attempts: number; revokedOnMock: boolean };

interface Row {
  fault: string;
  /** Faults to inject before the call; `revokeFirst` revokes the token on the mock beforehand. */
  inject: (digilocker: MockDigiLocker) => void;
  revokeFirst?: boolean;
  expected: (auth: string) => Expected;
}

const revokedAfter = (attempts: number, confirmed = true): Expected => ({
  outcome: 'revoked',
  confirmed,
  attempts,
  revokedOnMock: true,
});
const status =
  (code: number, extra: Partial<Extract<MockFault, { type: 'status' }>> = {}) =>
  (d: MockDigiLocker) =>
    d.inject({ type: 'status', status: code, ...extra });

const ROWS: Row[] = [
  { fault: '503', inject: status(503), expected: () => revokedAfter(2) },
  { fault: '503 + Retry-After: 0', inject: status(503, { retryAfter: 0 }), expected: () => revokedAfter(2) },
  {
    fault: '429 + Retry-After: 0 (seconds)',
    inject: status(429, { retryAfter: '0' }),
    expected: () => revokedAfter(2),
  },
  {
    fault: '429 + Retry-After: HTTP date',
    inject: (d) => d.inject({ type: 'status', status: 429, retryAfter: new Date().toUTCString() }),
    expected: () => revokedAfter(2),
  },
  {
    fault: '429 + Retry-After beyond the budget',
    inject: status(429, { retryAfter: 120 }),
    expected: () => ({ error: RateLimitedError, attempts: 1, revokedOnMock: false }),
  },
  { fault: '500', inject: status(500), expected: () => revokedAfter(2) },
  { fault: '502', inject: status(502), expected: () => revokedAfter(2) },
  { fault: '504', inject: status(504), expected: () => revokedAfter(2) },
  {
    fault: '401 invalid_client',
    inject: status(401, { body: '{"error":"invalid_client"}' }),
    // A bearer token from a token function is refreshed once and the request re-sent.
    expected: (auth) =>
      auth === 'bearer' ? revokedAfter(2) : { error: InvalidClientError, attempts: 1, revokedOnMock: false },
  },
  {
    fault: '400 invalid_token (already revoked)',
    inject: () => {},
    revokeFirst: true,
    expected: () => ({ error: InvalidTokenError, attempts: 1, revokedOnMock: true }),
  },
  {
    fault: 'drop before revoking',
    inject: (d) => d.inject({ type: 'drop', revoke: false }),
    expected: () => revokedAfter(2),
  },
  {
    fault: 'drop after revoking',
    inject: (d) => d.inject({ type: 'drop', revoke: true }),
    expected: () => revokedAfter(2, false),
  },
  {
    fault: 'slower than the timeout',
    inject: (d) => d.inject({ type: 'delay', ms: 400 }),
    expected: () => revokedAfter(2),
  },
  {
    fault: 'malformed 500 body',
    inject: (d) => d.inject({ type: 'malformed', status: 500 }),
    expected: () => revokedAfter(2),
  },
  {
    fault: 'malformed 400 body',
    inject: (d) => d.inject({ type: 'malformed', status: 400 }),
    expected: () => ({ error: UnexpectedResponseError, attempts: 1, revokedOnMock: false }),
  },
  {
    fault: '200 with an HTML body (answered by the fault, not the server)',
    inject: status(200, { body: '<html><body>OK</body></html>' }),
    expected: () => ({ outcome: 'revoked', confirmed: true, attempts: 1, revokedOnMock: false }),
  },
];

const COMBOS = [
  ['form', 'basic'],
  ['form', 'post'],
  ['form', 'bearer'],
  ['json', 'basic'],
  ['json', 'bearer'],
] as const;

let digilocker: MockDigiLocker;
let transport: NodeFetch;
const printed: string[][] = [];

beforeAll(async () => {
  digilocker = await startMockDigiLocker();
  transport = createNodeFetch();
});
afterAll(async () => {
  await transport.close();
  await digilocker.close();
  // The table goes to a file only when asked: FAULT_MATRIX_OUT=fault-matrix.txt npm test.
  const out = process.env.FAULT_MATRIX_OUT;
  if (!out) return;
  const width = Math.max(...printed.map((row) => row[0]?.length ?? 0));
  writeFileSync(
    out,
    `Fault matrix (encoding+auth x transport -> outcome, attempts, revoked on the mock)\n${printed
      .map(([fault, ...cells]) => `${(fault ?? '').padEnd(width)} | ${cells.join(' | ')}`)
      .join('\n')}\n`,
  );
});
afterEach(() => digilocker.clearFaults());

function clientFor(encoding: 'form' | 'json', auth: string, fetch: NodeFetch | undefined) {
  const options: RevocationClientOptions = {
    baseUrl: digilocker.baseUrl,
    bodyEncoding: encoding,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxElapsedMs: 10_000 },
    timeoutMs: 200,
    ...(fetch ? { fetch } : {}),
  };
  const credentials = { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret };
  if (auth === 'bearer') options.accessToken = clientCredentialsTokenProvider(credentials);
  else {
    options.credentials = credentials;
    options.clientAuthentication = auth === 'post' ? 'client_secret_post' : 'client_secret_basic';
  }
  return createRevocationClient(options);
}

describe.each(ROWS)('fault: $fault', (row) => {
  const cells: string[] = [row.fault];
  printed.push(cells);

  it.each(
    COMBOS.flatMap(([encoding, auth]) => [
      [encoding, auth, 'fetch'],
      [encoding, auth, 'node'],
    ]),
  )('%s + %s over %s', async (encoding, auth, via) => {
    const client = clientFor(encoding as 'form' | 'json', auth, via === 'node' ? transport : undefined);
    const { accessToken } = digilocker.issueTokens();
    if (row.revokeFirst) await client.revoke(accessToken);
    if (auth === 'bearer') await client.revoke(digilocker.issueTokens().accessToken); // warm the token cache
    row.inject(digilocker);

    const expected = row.expected(auth);
    const settled = await client.revoke(accessToken).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const revokedOnMock = !digilocker.isActive(accessToken);
    if ('outcome' in expected) {
      expect(settled).toEqual({
        result: expect.objectContaining({
          outcome: expected.outcome,
          confirmed: expected.confirmed,
          attempts: expected.attempts,
        }),
      });
    } else {
      expect('error' in settled && settled.error).toBeInstanceOf(expected.error);
      expect(settled).toMatchObject({ error: { attempts: expected.attempts } });
    }
    expect(revokedOnMock).toBe(expected.revokedOnMock);
    const observed =
      'result' in settled
        ? `${settled.result.outcome}${settled.result.confirmed ? '' : '?'} x${settled.result.attempts}`
        : `${(settled.error as Error).name} x${(settled.error as { attempts: number }).attempts}`;
    cells.push(`${encoding}+${auth}/${via}: ${observed}${revokedOnMock ? ' R' : ''}`);
  });
});
