#!/usr/bin/env node
// End to end against a real OpenTelemetry Collector: builds the minimal collector (build.sh, cached
// outside the repository), starts it on 127.0.0.1 with an OTLP/HTTP receiver and the debug exporter,
// revokes through digilocker-revocation/opentelemetry (the built dist/) against the mock DigiLocker with
// the OTLP/HTTP trace and metric exporters and the undici instrumentation, then checks the collector's
// output: our spans (the HTTP attempts children of the token's span) and metrics arrived, and no token,
// client secret or Basic value appears in it in any encoding. Prints the collector's output; exits 1 on
// a failed check. Needs `npm run build` first, Go, and the Go module proxy for the first build.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createInstrumentedRevocationClient } from '../../dist/opentelemetry/index.js';
import { startMockDigiLocker } from '../../dist/testing/index.js';
import { leaksIn } from '../../tests/support/canaries.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const log = (message) => process.stderr.write(`[otel-collector check] ${message}\n`);
const startedAt = performance.now();

const binary = execFileSync('bash', [join(here, 'build.sh')], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
}).trim();
log(`collector: ${binary} (${seconds()} s)`);
const port = await freePort();
const directory = mkdtempSync(join(tmpdir(), 'otelcol-'));
const config = join(directory, 'config.yaml');
writeFileSync(config, collectorConfig(port));

const collector = spawn(binary, ['--config', `file:${config}`], { stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
collector.stdout.on('data', (chunk) => (output += chunk));
collector.stderr.on('data', (chunk) => (output += chunk));
const failures = [];
try {
  await until(() => output.includes('Everything is ready'), 30_000, 'the collector to start');
  log(`collector listening on 127.0.0.1:${port} (${seconds()} s)`);
  const secrets = await revokeThroughTheCollector(`http://127.0.0.1:${port}`);
  await until(
    () => output.includes('digilocker.revocation.duration') && output.includes(': digilocker.revoke_many'),
    15_000,
    'the spans and metrics to reach the collector',
  );
  const exited = once(collector, 'exit');
  collector.kill('SIGTERM');
  await exited;
  failures.push(...checkOutput(output, secrets));
} catch (error) {
  failures.push(error.message);
} finally {
  collector.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
}

process.stdout.write(output);
log(`${failures.length === 0 ? 'PASS' : 'FAIL'} in ${seconds()} s`);
for (const failure of failures) log(`  failed: ${failure}`);
process.exit(failures.length === 0 ? 0 : 1);

/** Revokes through an SDK exporting to the collector; returns the secrets that must not appear. */
async function revokeThroughTheCollector(endpoint) {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const tracerProvider = new TracerProvider({
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) }),
    ],
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
    exportIntervalMillis: 60_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  const undici = new UndiciInstrumentation();
  undici.setTracerProvider(tracerProvider);
  undici.setMeterProvider(meterProvider);

  const clientSecret = `CANARY-SECRET-${Math.random().toString(36).slice(2)}`;
  const mock = await startMockDigiLocker({ clientSecret });
  const client = createInstrumentedRevocationClient({
    baseUrl: mock.baseUrl,
    credentials: { clientId: mock.clientId, clientSecret },
    retry: { baseDelayMs: 1, maxDelayMs: 1 },
  });
  const refused = createInstrumentedRevocationClient({
    baseUrl: mock.baseUrl,
    credentials: { clientId: mock.clientId, clientSecret: `${clientSecret}-wrong` },
  });
  const grants = [mock.issueTokens(), mock.issueTokens(), mock.issueTokens()];
  const unknown = 'CANARY-TOKEN-never-issued';
  try {
    mock.inject({ type: 'status', status: 503 });
    await client.revoke(grants[0].refreshToken, { tokenTypeHint: 'refresh_token' });
    await client.revoke(unknown).catch(() => {});
    await refused.revoke(grants[1].accessToken).catch(() => {});
    await client.signOut(grants[1]);
    for await (const _outcome of client.revokeMany([
      grants[2].accessToken,
      grants[2].refreshToken,
      unknown,
    ])) {
      // drained
    }
  } finally {
    await mock.close();
    await tracerProvider.forceFlush();
    await reader.forceFlush();
    undici.disable();
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  }
  const basic = Buffer.from(`${mock.clientId}:${clientSecret}`).toString('base64');
  return [
    clientSecret,
    `${clientSecret}-wrong`,
    basic,
    unknown,
    ...grants.flatMap((grant) => Object.values(grant)),
  ];
}

/** What the collector's debug output must show, and must not. */
function checkOutput(text, secrets) {
  const failures = [];
  for (const expected of [
    'Name           : digilocker.revoke',
    'Name           : digilocker.sign_out',
    'Name           : digilocker.revoke_many',
    'Name           : POST',
    'digilocker.retry',
    '-> digilocker.revocation.outcome: Str(revoked)',
    '-> error.type: Str(invalid_client)',
    'Name: digilocker.revocation.duration',
    'Name: digilocker.revocation.retries',
    'Name: http.client.request.duration',
  ]) {
    if (!text.includes(expected)) failures.push(`missing in the collector's output: ${expected}`);
  }
  const spans = parseSpans(text);
  const ours = new Set(spans.filter((span) => span.name.startsWith('digilocker.')).map((span) => span.id));
  const orphans = spans.filter((span) => span.name === 'POST' && !ours.has(span.parent));
  if (orphans.length > 0) failures.push(`${orphans.length} HTTP span(s) not children of a digilocker span`);
  failures.push(...leaksIn([text], secrets).map((leak) => `secret in the output: ${leak.slice(0, 120)}`));
  return failures;
}

/** The spans of the debug exporter's detailed output: name, ID and parent ID. */
function parseSpans(text) {
  return text
    .split(/Span #\d+/)
    .slice(1)
    .map((block) => ({
      id: /\n\s*ID\s*: (\w+)/.exec(block)?.[1],
      parent: /Parent ID\s*: (\w*)/.exec(block)?.[1],
      name: /Name\s*: (\S+)/.exec(block)?.[1] ?? '',
    }));
}

function collectorConfig(otlpPort) {
  return `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlpPort}
exporters:
  debug:
    verbosity: detailed
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
    metrics:
      receivers: [otlp]
      exporters: [debug]
`;
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port: free } = server.address();
  server.close();
  return free;
}

async function until(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (collector.exitCode !== null)
      throw new Error(`the collector exited (${collector.exitCode}) waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function seconds() {
  return ((performance.now() - startedAt) / 1000).toFixed(1);
}
