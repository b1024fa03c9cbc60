// The canary test: one run through every failure path of the client, the CLI and the mock DigiLocker
// with canary tokens, secret and bearer token, and with a mock that echoes them back in its error
// bodies. Everything that could reach a log is collected (each error's message, stack, JSON and
// util.inspect; every event and outcome; the mock's answers; the CLI's stdout, stderr and journal) and
// none of it may hold a canary, in any encoding, or the Basic credentials built from them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clientCredentialsTokenProvider,
  createRevocationClient,
  type RevocationClientOptions,
  type RevocationEvent,
} from '../../src';
import { createNodeFetch } from '../../src/node';
import { type MockDigiLocker, type MockFault, startMockDigiLocker } from '../../src/testing';
import { ensureCliBuilt, runCli, startCli, waitFor } from '../cli/cli-harness';
import { basicOf, encodedForms, leaksIn, renderings } from '../support/canaries';

const CLIENT_ID = 'canary-client';
// Characters that URL and form encoding change, so that each encoded form is a needle of its own.
const SECRET = 'CANARY-SECRET-4b8e1d+/=&% é~';
const WRONG_SECRET = 'CANARY-WRONG-SECRET-77a2 ü&=';
const BAD_BEARER = 'CANARY-BEARER-c19f+/=~';
const UNKNOWN_TOKEN = 'CANARY-TOKEN-unknown-3d+/ é&=%';

let digilocker: MockDigiLocker;
let scratch: string;
/** Every value that must never be printed: filled as tokens are issued and bearer tokens obtained. */
const canaries = new Set<string>([SECRET, WRONG_SECRET, BAD_BEARER, UNKNOWN_TOKEN]);
/** Everything a log could receive. */
const collected: string[] = [];

/** Records a value in each form it could take in a log. */
function collect(value: unknown): void {
  collected.push(...renderings(value));
}

/** Every canary, and the Basic credentials built from each secret. */
function forbiddenValues(): string[] {
  return [...canaries, ...[SECRET, WRONG_SECRET].map((secret) => basicOf(CLIENT_ID, secret))];
}

/** The client secret and the Basic credentials built from it. */
const CREDENTIAL_FORMS = [SECRET, basicOf(CLIENT_ID, SECRET)];

/**
 * An error answer whose description repeats the token of the request and the credentials it carried
 * (a server can only echo what it was sent: the client cannot redact a value it never had).
 */
function echoing(
  status: number,
  error: string,
  token: string,
  credentials: readonly string[],
  retryAfter?: string,
): MockFault {
  const description = `token=${token} ${credentials.map((value) => `credential=${value}`).join(' ')}`;
  return {
    type: 'status',
    status,
    retryAfter,
    body: JSON.stringify({ error, error_description: description }),
  };
}

/** A fault for each failure the mock can stage, for a call revoking `token` with `credentials`. */
function failuresFor(token: string, credentials: readonly string[]): MockFault[] {
  const echo = (status: number, error: string, retryAfter?: string) =>
    echoing(status, error, token, credentials, retryAfter);
  return [
    echo(503, 'temporarily_unavailable', '0'),
    echo(429, 'slow_down', new Date(0).toUTCString()), // Retry-After as an HTTP date
    echo(429, 'slow_down', '3600'), // beyond the budget
    echo(500, 'server_error'),
    echo(502, 'bad_gateway'),
    echo(504, 'gateway_timeout'),
    echo(401, 'invalid_client'),
    echo(400, 'invalid_token'),
    echo(400, `bad_${token}`), // the token as the error code
    { type: 'drop', revoke: false }, // a connection dropped before revoking...
    { type: 'drop', revoke: true }, // ...and after
    { type: 'delay', ms: 400 }, // slower than the timeout
    { type: 'malformed', status: 502 },
    { type: 'status', status: 200, body: `<html>${token} ${credentials.join(' ')}</html>` },
  ];
}

const FAILURES = failuresFor(UNKNOWN_TOKEN, []).length;

/** A valid bearer token from the mock's client-credentials grant (a canary from then on). */
async function mockBearer(): Promise<string> {
  const response = await fetch(`${digilocker.baseUrl}/oauth2/1/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${basicOf(CLIENT_ID, SECRET)}`,
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token: bearer } = (await response.json()) as { access_token: string };
  canaries.add(bearer);
  return bearer;
}

function issue(): string {
  const { accessToken, refreshToken } = digilocker.issueTokens();
  canaries.add(accessToken).add(refreshToken);
  return accessToken;
}

async function collectEither(work: () => Promise<unknown>): Promise<void> {
  try {
    collect(await work());
  } catch (error) {
    collect(error);
  }
}

function settleSync(work: () => unknown): void {
  try {
    collect(work());
  } catch (error) {
    collect(error);
  }
}

beforeAll(async () => {
  ensureCliBuilt();
  digilocker = await startMockDigiLocker({ clientId: CLIENT_ID, clientSecret: SECRET });
  scratch = mkdtempSync(join(tmpdir(), 'digilocker-canary-'));
}, 180_000);
afterAll(async () => {
  await digilocker.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** The client's paths: every staged failure, for every authentication and both transports. */
async function driveClient(): Promise<{ events: RevocationEvent[]; failures: number }> {
  const events: RevocationEvent[] = [];
  const bearer = await mockBearer();
  const credentials = { clientId: CLIENT_ID, clientSecret: SECRET };
  // Each authentication, with the credentials its requests carry (and a server could echo).
  const authentications: [Partial<RevocationClientOptions>, readonly string[]][] = [
    [{ credentials }, CREDENTIAL_FORMS],
    [{ credentials, clientAuthentication: 'client_secret_post' }, CREDENTIAL_FORMS],
    [{ credentials, bodyEncoding: 'json' }, CREDENTIAL_FORMS],
    [{ accessToken: bearer }, [bearer]],
    // The provider's secret goes to the token endpoint only, but a server might still echo it.
    [
      { accessToken: clientCredentialsTokenProvider({ ...credentials, tokenUrl: tokenUrl() }) },
      CREDENTIAL_FORMS,
    ],
  ];
  const transport = createNodeFetch();
  let failures = 0;
  try {
    for (const fetchImpl of [globalThis.fetch, transport]) {
      for (const [authentication, sent] of authentications) {
        const client = createRevocationClient({
          baseUrl: digilocker.baseUrl,
          ...authentication,
          fetch: fetchImpl,
          retry: { maxAttempts: 2, baseDelayMs: 0, maxElapsedMs: 2_000 },
          timeoutMs: 200,
          onEvent: (event) => events.push(event),
        });
        for (let staged = 0; staged < FAILURES; staged++) {
          const token = issue();
          const fault = failuresFor(token, sent)[staged] as MockFault;
          digilocker.clearFaults();
          digilocker.inject(fault, { times: 2 }); // every attempt meets it
          await collectEither(() => client.revoke(token));
          failures++;
        }
        digilocker.clearFaults();
        // An unknown token, a sign-out, a batch with bad inputs, and an abort mid-request.
        await collectEither(() => client.revoke(UNKNOWN_TOKEN, { tokenTypeHint: 'refresh_token' }));
        await collectEither(() => client.signOut({ refreshToken: UNKNOWN_TOKEN, accessToken: issue() }));
        // One at a time, so that the echo meets the request that carried the token it echoes.
        digilocker.inject(echoing(503, 'temporarily_unavailable', UNKNOWN_TOKEN, sent), { times: 2 });
        const batch = [UNKNOWN_TOKEN, issue(), `${UNKNOWN_TOKEN}\n`, { token: SECRET, id: 'row' }];
        for await (const outcome of client.revokeMany(batch, { concurrency: 1 })) {
          collect(outcome);
          if (!outcome.ok) collect(outcome.error);
        }
        digilocker.clearFaults();
        digilocker.inject({ type: 'delay', ms: 300 });
        await collectEither(() => client.revoke(issue(), { signal: AbortSignal.timeout(20) }));
        digilocker.clearFaults();
      }
    }
  } finally {
    await transport.close();
  }

  // Refused credentials: a wrong secret (both methods, and at the token endpoint), an unknown bearer.
  const refused: Partial<RevocationClientOptions>[] = [
    { credentials: { clientId: CLIENT_ID, clientSecret: WRONG_SECRET } },
    {
      credentials: { clientId: CLIENT_ID, clientSecret: WRONG_SECRET },
      clientAuthentication: 'client_secret_post',
    },
    { accessToken: BAD_BEARER },
    {
      accessToken: clientCredentialsTokenProvider({
        clientId: CLIENT_ID,
        clientSecret: WRONG_SECRET,
        tokenUrl: tokenUrl(),
      }),
    },
  ];
  for (const options of refused) {
    const client = createRevocationClient({
      baseUrl: digilocker.baseUrl,
      ...options,
      onEvent: (event) => events.push(event),
    });
    await collectEither(() => client.revoke(issue()));
  }

  // Input refused before any request: bad tokens, hints, options and provider options.
  const client = createRevocationClient({ baseUrl: digilocker.baseUrl, credentials });
  await collectEither(() => client.revoke(`${UNKNOWN_TOKEN}\r\n`));
  await collectEither(() => client.revoke(UNKNOWN_TOKEN.repeat(400)));
  await collectEither(() => client.revoke(UNKNOWN_TOKEN, { tokenTypeHint: SECRET as 'access_token' }));
  await collectEither(() => client.signOut({ accessToken: `\u0000${UNKNOWN_TOKEN}` }));
  settleSync(() => client.revokeMany(UNKNOWN_TOKEN as unknown as string[]));
  for (const options of [
    { credentials: { clientId: CLIENT_ID, clientSecret: `${SECRET}\n` } },
    { credentials: { clientId: SECRET, clientSecret: 42 } },
    { credentials, accessToken: BAD_BEARER },
    { accessToken: `${BAD_BEARER}\r\n` },
    { accessToken: BAD_BEARER, baseUrl: `https://${CLIENT_ID}:${SECRET}@digilocker.example/public` },
    { accessToken: BAD_BEARER, baseUrl: `https://digilocker.example/public?token=${UNKNOWN_TOKEN}` },
    { accessToken: BAD_BEARER, userAgent: `${SECRET}\n` },
    { accessToken: BAD_BEARER, environment: SECRET },
  ]) {
    settleSync(() => createRevocationClient(options as RevocationClientOptions));
  }
  settleSync(() => clientCredentialsTokenProvider({ clientId: CLIENT_ID, clientSecret: `${SECRET}\t` }));
  for (const event of events) collect(event);
  return { events, failures };
}

function tokenUrl(): string {
  return `${digilocker.baseUrl}/oauth2/1/token`;
}

/** The mock's own answers to refused requests that carry the canaries. */
async function driveMock(): Promise<number> {
  const revokeUrl = `${digilocker.baseUrl}/oauth2/1/revoke`;
  const form = 'application/x-www-form-urlencoded';
  const basic = `Basic ${basicOf(CLIENT_ID, SECRET)}`;
  const requests: [string, RequestInit][] = [
    [
      revokeUrl,
      {
        method: 'POST',
        headers: { 'content-type': form, authorization: `Basic ${basicOf(CLIENT_ID, WRONG_SECRET)}` },
        body: `token=${UNKNOWN_TOKEN}`,
      },
    ],
    [
      revokeUrl,
      {
        method: 'POST',
        headers: { 'content-type': form },
        body: `token=${UNKNOWN_TOKEN}&client_id=${CLIENT_ID}&client_secret=${WRONG_SECRET}`,
      },
    ],
    [
      revokeUrl,
      {
        method: 'POST',
        headers: { 'content-type': form, authorization: `Bearer ${BAD_BEARER}` },
        body: `token=${UNKNOWN_TOKEN}`,
      },
    ],
    [
      revokeUrl,
      {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic },
        body: `token=${UNKNOWN_TOKEN}`,
      },
    ],
    [
      revokeUrl,
      {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic },
        body: `token=${UNKNOWN_TOKEN}&token_type_hint=${SECRET}`,
      },
    ],
    [
      revokeUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic },
        body: `{"token":"${UNKNOWN_TOKEN}",`,
      },
    ],
    [
      revokeUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic },
        body: JSON.stringify({ token: UNKNOWN_TOKEN, extra: SECRET }),
      },
    ],
    [
      revokeUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'text/plain', authorization: basic },
        body: UNKNOWN_TOKEN,
      },
    ],
    [
      revokeUrl,
      {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic },
        body: `token=${UNKNOWN_TOKEN.repeat(5000)}`,
      },
    ],
    [
      revokeUrl,
      {
        method: 'PUT',
        headers: { 'content-type': form, authorization: basic },
        body: `token=${UNKNOWN_TOKEN}`,
      },
    ],
    [`${revokeUrl}?token=${UNKNOWN_TOKEN}`, { method: 'POST', headers: { authorization: basic } }],
    [
      tokenUrl(),
      {
        method: 'POST',
        headers: { 'content-type': form, authorization: `Basic ${basicOf(CLIENT_ID, WRONG_SECRET)}` },
        body: 'grant_type=client_credentials',
      },
    ],
    [
      tokenUrl(),
      {
        method: 'POST',
        headers: { 'content-type': form, authorization: basic },
        body: `grant_type=${SECRET}`,
      },
    ],
  ];
  let refusals = 0;
  for (const [url, init] of requests) {
    const response = await fetch(url, init);
    const text = await response.text();
    if (response.status >= 400) refusals++;
    collected.push(text, JSON.stringify([...response.headers]));
  }
  return refusals;
}

/** The CLI's paths: both output modes, every authentication, echoed secrets, refusals, SIGINT. */
async function driveCli(): Promise<{ codes: (number | null)[]; stdout: string }> {
  const journal = join(scratch, 'journal');
  const base = ['--base-url', digilocker.baseUrl, '--journal', journal];
  const env = { DIGILOCKER_CLIENT_ID: CLIENT_ID, DIGILOCKER_CLIENT_SECRET: SECRET };
  const refused = { ...env, DIGILOCKER_CLIENT_SECRET: WRONG_SECRET };
  const stdinOf = () => [UNKNOWN_TOKEN, issue(), issue(), issue()].join('\n');
  const runs = [];

  // An echo for every attempt at the first token (the default: 3 attempts at a 503), one at a time.
  const echoes = [
    [503, 'temporarily_unavailable', 3],
    [401, 'invalid_client', 1],
    [400, 'invalid_token', 1],
  ] as const;
  // Each echo run has a journal of its own: with a shared one, the unknown token (final after the
  // first run) would be skipped, and the echo would name it in another token's answer, which no call
  // can redact (a server can only echo what it was sent).
  const journals = [journal];
  for (const [status, error, attempts] of echoes) {
    for (const mode of [['--json'], ['--auth', 'post']]) {
      const own = join(scratch, `journal-${status}-${mode.join('')}`);
      journals.push(own);
      digilocker.inject(echoing(status, error, UNKNOWN_TOKEN, CREDENTIAL_FORMS), { times: attempts });
      const args = [
        'revoke',
        '--concurrency',
        '1',
        ...mode,
        '--base-url',
        digilocker.baseUrl,
        '--journal',
        own,
      ];
      runs.push(await runCli(args, { stdin: stdinOf(), env }));
    }
  }
  digilocker.clearFaults();
  const asArguments = [UNKNOWN_TOKEN, issue()];
  runs.push(await runCli(['revoke', '--encoding', 'json', ...asArguments, ...base], { env }));
  runs.push(await runCli(['revoke', '--auth', 'bearer', '--json', ...base], { stdin: stdinOf(), env }));
  runs.push(
    await runCli(['revoke', '--auth', 'bearer', ...base], {
      stdin: stdinOf(),
      env: { DIGILOCKER_ACCESS_TOKEN: BAD_BEARER },
    }),
  );
  runs.push(await runCli(['revoke', '--json', ...base], { stdin: stdinOf(), env: refused }));
  runs.push(await runCli(['revoke', '--auth', 'bearer', ...base], { stdin: stdinOf(), env: refused }));
  runs.push(await runCli(['revoke', '--concurrency', SECRET, ...base], { stdin: stdinOf(), env }));
  runs.push(
    await runCli(['revoke', '--base-url', `http://${CLIENT_ID}:${SECRET}@127.0.0.1:1/public`], {
      stdin: stdinOf(),
      env,
    }),
  );
  // Interrupted mid-run, with a slow answer in flight.
  digilocker.inject({ type: 'delay', ms: 300 }, { times: 4 });
  const faultsBefore = digilocker.stats.faults;
  const interrupted = startCli(['revoke', '--json', ...base], { env });
  interrupted.child.stdin.write(`${stdinOf()}\n`); // ...and standard input stays open
  await waitFor(() => digilocker.stats.faults > faultsBefore, 'a slow request in flight');
  interrupted.child.kill('SIGINT');
  runs.push(await interrupted.done);
  digilocker.clearFaults();

  for (const run of runs) collected.push(run.stdout, run.stderr);
  for (const path of journals) collected.push(readFileSync(path, 'utf8'));
  return { codes: runs.map((run) => run.code), stdout: runs.map((run) => run.stdout).join('\n') };
}

it('no canary token, secret or bearer token, in any encoding, reaches anything the client, the CLI or the mock reports', async () => {
  // The check can fail: a planted canary, raw, in each encoding, or as Basic credentials, is found.
  const planted = [...encodedForms(SECRET), basicOf(CLIENT_ID, SECRET)];
  for (const text of planted) expect(leaksIn([`x ${text} y`], forbiddenValues())).not.toEqual([]);
  expect(new Set(planted).size).toBeGreaterThanOrEqual(6); // the encodings really differ

  const { events, failures } = await driveClient();
  const refusals = await driveMock();
  const cli = await driveCli();

  // The paths were really taken: the staged failures happened, the mock refused, the CLI failed.
  expect(failures).toBe(2 * 5 * FAILURES);
  expect(events.filter((event) => event.type === 'error').length).toBeGreaterThan(100);
  expect(events.some((event) => event.type === 'retry')).toBe(true);
  expect(refusals).toBe(13);
  expect(cli.codes).toContain(130);
  expect(cli.codes).toContain(2);
  expect(cli.codes).toContain(1);
  expect(cli.stdout).toContain('[REDACTED]'); // an echoed description reached the CLI, redacted
  expect(collected.join('\n')).toContain('[REDACTED]');

  expect(leaksIn(collected, forbiddenValues())).toEqual([]);
}, 120_000);
