// Tracing overhead (issue 22): the client CPU per revoke request of
// - `core`: createRevocationClient from the core entry (no telemetry entry at all),
// - `entryOff`: createInstrumentedRevocationClient with no OpenTelemetry SDK registered (tracing off),
// - `entryOn`: the same with an SDK registered: the AsyncLocalStorage context manager, a tracer
//   provider whose batch processor hands spans to an exporter that drops them, a meter provider whose
//   reader exports nowhere (every span and data point is still made and aggregated).
// Two phases in one process, each interleaving its contenders round by round against `core`: first
// off (nothing registered), then on (registered globally, as an application does; it cannot be undone
// for the rest of the process). The figures: entryOff/core, entryOn/core and entryOn/entryOff.
// The undici instrumentation stays off: its HTTP spans are the application's choice, not ours.
//
// `bench/run.mjs` can call measureTracingOverhead({ baseUrl, smoke, log }); alone:
//   node --expose-gc bench/tracing.mjs [--smoke]   (needs `npm run build`; BENCH_TRACING_REQUESTS, BENCH_ROUNDS)
import { fileURLToPath } from 'node:url';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createRevocationClient } from '../dist/index.js';
import { createInstrumentedRevocationClient } from '../dist/opentelemetry/index.js';
import { CREDENTIALS } from './contenders.mjs';
import { interleave, makeTokens, roundNoise, roundRatio, runRequests, summarize } from './measure.mjs';
import { startServer } from './server.mjs';

const CONCURRENCY = 64;

/** Measures both phases; resolves with their summaries and the three ratios of CPU per request. */
export async function measureTracingOverhead({ baseUrl, smoke, log, requests, rounds }) {
  const settings = {
    requests: requests ?? (smoke ? 64 : Number(process.env.BENCH_TRACING_REQUESTS || 6000)),
    rounds: rounds ?? (smoke ? 1 : Math.max(3, Number(process.env.BENCH_ROUNDS || 5))),
  };
  const options = { baseUrl, credentials: CREDENTIALS };
  const off = await phase('off', {
    core: createRevocationClient(options),
    entryOff: createInstrumentedRevocationClient(options),
  });
  const sdk = registerSdk();
  try {
    const on = await phase('on', {
      core: createRevocationClient(options),
      entryOn: createInstrumentedRevocationClient(options),
    });
    const offVsCore = roundRatio(off.runs, 'entryOff', 'core', 'cpuMicrosPerRequest');
    const onVsCore = roundRatio(on.runs, 'entryOn', 'core', 'cpuMicrosPerRequest');
    await sdk.flush();
    return {
      concurrency: CONCURRENCY,
      ...settings,
      off: off.summary,
      on: on.summary,
      noise: { off: roundNoise(off.runs, 'core'), on: roundNoise(on.runs, 'core') },
      cpuPerRequest: { offVsCore, onVsCore, onVsOff: onVsCore / offVsCore },
      spansExported: sdk.exported(),
    };
  } finally {
    await sdk.shutdown();
  }

  async function phase(name, clients) {
    const tokens = makeTokens(Math.min(settings.requests, 4096), `tracing-${name}`);
    const contenders = Object.entries(clients).map(([key, client]) => ({
      key,
      call: (token) => client.revoke(token),
    }));
    const warmupRequests = smoke ? 5 : Math.min(settings.requests, 1000);
    const runs = await interleave(contenders, {
      rounds: settings.rounds,
      warmup: (contender) =>
        runRequests(contender.call, { requests: warmupRequests, concurrency: CONCURRENCY, tokens }),
      run: (contender) =>
        runRequests(contender.call, { requests: settings.requests, concurrency: CONCURRENCY, tokens }),
      onRun: (contender, round, result) =>
        log(
          `tracing ${name} round ${round + 1}/${settings.rounds} ${contender.key.padEnd(8)} ${(result.cpuMicros / result.requests).toFixed(1)} µs CPU/request`,
        ),
    });
    return { runs, summary: summarize(runs, 'core') };
  }
}

/** The report's lines. */
export function formatTracingReport(result) {
  const percent = (ratio) => `${ratio.toFixed(3)}x`;
  const cpu = (summary, key) => `${summary[key].cpuMicrosPerRequest.toFixed(1)} µs`;
  return [
    `Tracing overhead, revoke at c=${result.concurrency}, client CPU per request (median of ${result.rounds} rounds):`,
    `  off: core ${cpu(result.off, 'core')}, entry without SDK ${cpu(result.off, 'entryOff')}: ${percent(result.cpuPerRequest.offVsCore)} (noise ${((result.noise.off ?? 0) * 100).toFixed(0)}%)`,
    `  on:  core ${cpu(result.on, 'core')}, entry with SDK ${cpu(result.on, 'entryOn')}: ${percent(result.cpuPerRequest.onVsCore)} (noise ${((result.noise.on ?? 0) * 100).toFixed(0)}%)`,
    `  on vs off: ${percent(result.cpuPerRequest.onVsOff)} (target <= 1.10x); ${result.spansExported} spans made and dropped`,
  ].join('\n');
}

/** Registers the SDK globally with an exporter that drops everything; counts the spans it got. */
function registerSdk() {
  let exported = 0;
  const dropSpans = {
    export(spans, done) {
      exported += spans.length;
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  const dropMetrics = {
    export: (_metrics, done) => done({ code: 0 }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const tracerProvider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter: dropSpans })],
  });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: dropMetrics, exportIntervalMillis: 1000 })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    exported: () => exported,
    flush: () => tracerProvider.forceFlush(),
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const smoke = process.argv.includes('--smoke');
  const server = await startServer();
  try {
    const log = (message) => process.stderr.write(`${message}\n`);
    const result = await measureTracingOverhead({
      baseUrl: `http://127.0.0.1:${server.port}/public`,
      smoke,
      log,
    });
    console.log(formatTracingReport(result));
  } finally {
    await server.close();
  }
}
