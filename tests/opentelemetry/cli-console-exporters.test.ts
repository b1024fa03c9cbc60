// The built CLI with a preloaded SDK whose console exporters print every span and metric to stdout,
// past the CLI's own redaction of its output: against a hostile server that echoes the token, the
// client secret, the Basic credentials and a proxy's Proxy-Authorization back in every encoding, and
// other tokens of the run as sent, through 503, 429, 400 invalid_token and invalid_request, 401
// invalid_client and 200, in `revoke --file --json`, `revoke` on standard input through an
// authenticating proxy, `revoke --via-outbox` and `outbox drain`, nothing printed (spans, metrics, the
// SDK's diag logger, the CLI's own lines) holds a token or a secret in any form the secrets suite
// knows, nor a run of 12 of its characters. The SDK is set up as NodeSDK would: the process, host and
// env resource detectors, the undici instrumentation, a batch span processor and a metric reader that
// only the CLI's flush at exit makes export, and a diag logger on the console. Tokens are given by
// file and standard input: as arguments, the process detector would copy them into the resource's
// `process.command_args` (docs/observability.md#the-cli).
import { randomBytes } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { type Run, runCli, summaryOf, useCliFixture } from '../cli/cli-harness';
import { basicOf, encodedForms, formEncode, fragmentsIn, leaksIn } from '../support/canaries';
import { useLocalServer } from '../support/local-server';
import { startProxy } from '../support/proxy';

const CLIENT_ID = 'canary-console-client';
const SECRET = 'CANARY-SECRET-console-4e9d1b';
const PROXY_USER = 'canary-proxy-user';
const PROXY_PASSWORD = 'CANARY-PROXY-p@ss/5c2e';
const PROXY_USER_INFO = `${PROXY_USER}:${encodeURIComponent(PROXY_PASSWORD)}`;
const PROXY_BASIC = Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64');
const BASIC = basicOf(CLIENT_ID, SECRET);

/** Each token, named by what the server answers it. */
const TOKEN = {
  retried503: 'CANARY-TOKEN-503-then-200-a71c9e',
  rateLimited: 'CANARY-TOKEN-429-then-200-b83d0f',
  invalid: 'CANARY-TOKEN-400-invalid-c94e1a',
  echoesOthers: 'CANARY-TOKEN-400-echoes-others-d05f2b',
  revoked: 'CANARY-TOKEN-200-revoked-e16a3c',
  badRequest: 'CANARY-TOKEN-400-invalid-request-0a8c5e',
  refusedClient: 'CANARY-TOKEN-401-invalid-client-f27b4d',
} as const;
const TOKENS = Object.values(TOKEN);

const FORBIDDEN = [
  ...TOKENS,
  SECRET,
  BASIC,
  BASIC.slice(0, 24),
  PROXY_PASSWORD,
  PROXY_USER_INFO,
  PROXY_BASIC,
  `${PROXY_USER}:${PROXY_PASSWORD}`,
];

const fixture = useCliFixture();
const server = useLocalServer();
/** Attempts per token since the run began. */
const attempts = new Map<string, number>();

/** `value` in every encoding the canaries helper knows, space-separated. */
const everyForm = (value: string) => encodedForms(value).join(' ');

/** What a hostile server puts in an error description: everything the request carried, and more. */
function echoOf(request: IncomingMessage, body: string, token: string, others: string[] = []): string {
  const authorization = request.headers.authorization ?? '';
  const proxyAuthorization = request.headers['proxy-authorization'] ?? '';
  const decode = (header: string) => Buffer.from(header.replace(/^\w+ /, ''), 'base64').toString('utf8');
  return [
    `token ${everyForm(token)} is unknown`,
    // The run keeps only digests of its other tokens: each word is decoded and looked up (docs/cli.md).
    ...others.map((other) => `also ${everyForm(other)}`),
    `body=${body}`,
    `authorization=${authorization} (${decode(authorization)})`,
    `proxy-authorization=${proxyAuthorization} (${decode(proxyAuthorization)})`,
    `secret ${everyForm(SECRET)} basic ${BASIC}`,
  ].join(' | ');
}

/** How the server answers `token`'s `attempt`: a refusal, or undefined for a 200. */
function refusalOf(
  token: string,
  attempt: number,
): { status: number; error: string; others?: string[]; headers?: Record<string, string> } | undefined {
  switch (token) {
    case TOKEN.retried503:
      return attempt === 1 ? { status: 503, error: 'server_error' } : undefined;
    case TOKEN.rateLimited:
      return attempt === 1 ? { status: 429, error: 'slow_down', headers: { 'retry-after': '1' } } : undefined;
    case TOKEN.invalid:
      return { status: 400, error: 'invalid_token' };
    case TOKEN.echoesOthers:
      // Another request's answer, as a proxy or cache that mixed them up gives it: tokens sent before
      // (one at a time, in order), which share their first 13 characters with this one.
      return { status: 400, error: 'invalid_token', others: [TOKEN.retried503, TOKEN.invalid] };
    case TOKEN.badRequest:
      return { status: 400, error: 'invalid_request' };
    case TOKEN.refusedClient:
      return {
        status: 401,
        error: 'invalid_client',
        others: TOKENS,
        headers: { 'www-authenticate': 'Basic' },
      };
    default:
      return undefined;
  }
}

function hostile(request: IncomingMessage, response: ServerResponse, _count: number, body: string): void {
  const token = new URLSearchParams(body).get('token') ?? '';
  const attempt = (attempts.get(token) ?? 0) + 1;
  attempts.set(token, attempt);
  const refusal = refusalOf(token, attempt);
  if (refusal === undefined) {
    response.end();
    return;
  }
  response.writeHead(refusal.status, { 'content-type': 'application/json', ...refusal.headers });
  const description = echoOf(request, body, token, refusal.others);
  response.end(JSON.stringify({ error: refusal.error, error_description: description }));
}

/**
 * Writes telemetry.mjs, as docs/observability.md has it but with console exporters, in a directory of
 * its own where its packages resolve (a link to this repository's node_modules), and returns the
 * NODE_OPTIONS that preload it.
 */
function preload(): string {
  const directory = join(fixture.scratch, 'telemetry');
  mkdirSync(directory);
  symlinkSync(join(__dirname, '../../node_modules'), join(directory, 'node_modules'));
  const file = join(directory, 'telemetry.mjs');
  writeFileSync(
    file,
    `
import { context, DiagConsoleLogger, DiagLogLevel, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, detectResources, envDetector, hostDetector, processDetector } from '@opentelemetry/resources';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';

diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.DEBUG);
const resource = defaultResource().merge(
  detectResources({ detectors: [envDetector, processDetector, hostDetector] }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracerProvider = new TracerProvider({
  resource,
  spanProcessors: [
    new BatchSpanProcessor({ exporter: new ConsoleSpanExporter(), scheduledDelayMillis: 3_600_000 }),
  ],
});
trace.setGlobalTracerProvider(tracerProvider);
const meterProvider = new MeterProvider({
  resource,
  readers: [
    new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 3_600_000 }),
  ],
});
metrics.setGlobalMeterProvider(meterProvider);
const undici = new UndiciInstrumentation();
undici.setTracerProvider(tracerProvider);
undici.setMeterProvider(meterProvider);
`,
  );
  return `--import ${file}`;
}

/**
 * Every forbidden value found in `runs`' output: whole, in any of its encodings, or a run of 12 of its
 * characters (a token only partly redacted).
 */
const leaksOf = (runs: Run[]) => {
  const texts = runs.flatMap((run) => [run.stdout, run.stderr]);
  return [...leaksIn(texts, FORBIDDEN), ...fragmentsIn(texts, FORBIDDEN)];
};

/** The CLI's own `--json` lines in its stdout. */
const cliLines = (run: Run) =>
  run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{"'))
    .join('\n');

/** What the console exporters (and the diag logger) printed: stdout without the CLI's own JSON lines. */
const exported = (run: Run) =>
  run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('{"'))
    .join('\n');

beforeEach(() => {
  attempts.clear();
  server.handle(hostile);
});

it('revoke --file --json, and revoke on standard input through a proxy with credentials: spans and metrics printed, no token or secret', async () => {
  const env = {
    DIGILOCKER_CLIENT_ID: CLIENT_ID,
    DIGILOCKER_CLIENT_SECRET: SECRET,
    NODE_OPTIONS: preload(),
  };
  const file = join(fixture.scratch, 'tokens.txt');
  writeFileSync(file, `${TOKENS.join('\n')}\n`);
  const revoke = ['revoke', '--concurrency', '1', '--timeout-ms', '5000'];
  const runs: Run[] = [];
  runs.push(await runCli([...revoke, '--json', '--file', file, '--base-url', server.baseUrl], { env }));

  // The same tokens on standard input, client_secret_post, through a proxy whose user and password come
  // from HTTP_PROXY (the proxy passes its Proxy-Authorization on, and the server echoes it).
  attempts.clear();
  const proxy = await startProxy({ upstream: server.origin });
  try {
    const proxyUrl = proxy.url.replace('http://', `http://${PROXY_USER_INFO}@`);
    runs.push(
      await runCli(
        [...revoke, '--auth', 'post', '--base-url', 'http://digilocker.test/public', '--allow-insecure-http'],
        { env: { ...env, HTTP_PROXY: proxyUrl }, stdin: `${TOKENS.join('\n')}\n` },
      ),
    );
  } finally {
    await proxy.close();
  }
  expect(proxy.seen.map((seen) => seen.headers['proxy-authorization'])).toContain(`Basic ${PROXY_BASIC}`);

  // invalid_client stops each run at the last token, after the others were answered.
  expect(runs.map((run) => run.code)).toEqual([1, 1]);
  const [json, proxied] = runs as [Run, Run];
  expect(summaryOf(cliLines(json))).toMatchObject({ revoked: 3, failed: 4 });
  expect(proxied.stdout).toContain('[REDACTED]'); // the echoes reached the CLI's own output, redacted
  for (const run of runs) {
    const printed = exported(run);
    // The command's span, the revoke_many span, a span per token, the HTTP spans, the retries.
    expect(printed).toContain("name: 'digilocker-revoke revoke'");
    expect(printed).toContain("'process.exit.code': 1");
    expect(printed).toContain("name: 'digilocker.revoke_many'");
    expect(printed.match(/name: 'digilocker\.revoke',/g)?.length).toBe(TOKENS.length);
    expect(printed).toContain("name: 'POST'");
    expect(printed).toContain("'error.type': 'invalid_client'");
    expect(printed).toContain("'error.type': 'invalid_token'");
    expect(printed).toContain("'digilocker.retry.reason': 'server_error'");
    expect(printed).toContain("'digilocker.retry.reason': 'rate_limited'");
    expect(printed).toContain("'digilocker.revocation.outcome': 'revoked'");
    // The resource, from the process detector: the command line, which holds no token here.
    expect(printed).toContain("'process.command_args'");
    // Metrics, exported by the CLI's flush before it exits (the reader's interval is an hour).
    expect(printed).toContain("name: 'digilocker.revocation.duration'");
    expect(printed).toContain("name: 'digilocker.revocation.retries'");
    expect(printed).toContain("name: 'http.client.request.duration'");
  }
  expect(leaksOf(runs)).toEqual([]);
}, 120_000);

it('revoke --via-outbox and outbox drain over an embedded store: spans and metrics printed, no token or secret', async () => {
  const env = {
    DIGILOCKER_CLIENT_ID: CLIENT_ID,
    DIGILOCKER_CLIENT_SECRET: SECRET,
    DIGILOCKER_OUTBOX_KEYS: randomBytes(32).toString('base64'),
    NODE_OPTIONS: preload(),
  };
  const store = join(fixture.scratch, 'outbox');
  const file = join(fixture.scratch, 'tokens.txt');
  // invalid_client would pause the queue: the drain's answers are the others.
  const drained = TOKENS.filter((token) => token !== TOKEN.refusedClient);
  writeFileSync(file, `${drained.join('\n')}\n`);
  const queued = await runCli(['revoke', '--via-outbox', store, '--file', file], { env });
  expect(queued.code).toBe(0);
  const drain = await runCli(['outbox', 'drain', '--json', '--store', store, '--base-url', server.baseUrl], {
    env,
  });
  // The 400 invalid_request is dead (exit 1); invalid_token is already invalid.
  expect(drain.code).toBe(1);
  expect(summaryOf(cliLines(drain))).toMatchObject({ revoked: 3, alreadyInvalid: 2, dead: 1 });
  expect([...attempts.keys()].sort()).toEqual([...drained].sort());
  expect(exported(queued)).toContain("name: 'digilocker-revoke revoke'");
  const printed = exported(drain);
  expect(printed).toContain("name: 'digilocker-revoke outbox drain'");
  expect(printed).toContain("name: 'process digilocker-revocation'");
  expect(printed).toContain("name: 'digilocker.sign_out'");
  expect(printed).toContain("'digilocker.outbox.outcome': 'revoked'");
  expect(printed).toContain("'digilocker.outbox.outcome': 'dead'");
  expect(printed).toContain("'digilocker.retry.reason': 'server_error'");
  expect(printed).toContain("name: 'digilocker.outbox.jobs.ended'");
  expect(printed).toContain("name: 'digilocker.revocation.duration'");
  expect(leaksOf([queued, drain])).toEqual([]);
}, 180_000);

it('finds a secret, or a run of 12 characters of a token, in what was printed (the check can fail)', () => {
  const printed = (stdout: string): Run => ({ code: 0, signal: null, stdout, stderr: '' });
  expect(leaksOf([printed(`{\n  attributes: { leaked: '${formEncode(SECRET)}' }\n}`)])).not.toEqual([]);
  expect(leaksOf([printed(`also [REDACTED]${TOKEN.revoked.slice(-12)}`)])).not.toEqual([]);
  expect(leaksOf([printed(`also [REDACTED]${TOKEN.revoked.slice(-11)}`)])).toEqual([]);
});
