// Without an SDK registered, the instrumented client behaves as the plain one: same results, the
// user's onEvent still called; its telemetry options are checked; a tracer given is the one used; an
// SDK registered after the client was made gets its spans and metrics.

import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { RevocationEvent } from '../../src';
import { createInstrumentedRevocationClient, flushTelemetry, METRIC, SPAN } from '../../src/opentelemetry';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';

let mock: MockDigiLocker;
beforeAll(async () => {
  mock = await startMockDigiLocker();
});
afterAll(() => mock.close());

const options = () => ({
  baseUrl: mock.baseUrl,
  credentials: { clientId: mock.clientId, clientSecret: mock.clientSecret },
  retry: { baseDelayMs: 1, maxDelayMs: 1 },
});

it('revokes and still calls the given onEvent, with no SDK registered', async () => {
  const events: RevocationEvent['type'][] = [];
  const client = createInstrumentedRevocationClient({
    ...options(),
    onEvent: (event) => events.push(event.type),
  });
  mock.inject({ type: 'status', status: 503 });
  await expect(client.revoke(mock.issueTokens().accessToken)).resolves.toMatchObject({ outcome: 'revoked' });
  expect(events).toEqual(['request', 'response', 'retry', 'request', 'response']);
});

it('refuses an unknown telemetry option and bad client options, as createRevocationClient does', () => {
  expect(() => createInstrumentedRevocationClient(options(), { traceer: {} } as never)).toThrow(
    'Unknown option "telemetry.traceer"',
  );
  expect(() => createInstrumentedRevocationClient(options(), { batchTokenSpans: 'no' } as never)).toThrow(
    'telemetry.batchTokenSpans must be a boolean',
  );
  expect(() => createInstrumentedRevocationClient({ ...options(), timeoutMs: -1 })).toThrow(RangeError);
});

it('uses the tracer it is given rather than the global one', async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const client = createInstrumentedRevocationClient(options(), { tracer: provider.getTracer('mine') });
  await client.revoke(mock.issueTokens().accessToken);
  expect(exporter.getFinishedSpans().map((span) => [span.name, span.instrumentationScope.name])).toEqual([
    [SPAN.revoke, 'mine'],
  ]);
});

it('reports to an SDK registered after the client was created (tracer and meter looked up lazily)', async () => {
  const client = createInstrumentedRevocationClient(options());
  await client.revoke(mock.issueTokens().accessToken); // nothing registered yet: no-ops
  const exporter = new InMemorySpanExporter();
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const meterProvider = new MeterProvider({ readers: [reader] });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  try {
    await client.revoke(mock.issueTokens().accessToken);
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual([SPAN.revoke]);
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.map((m) => m.descriptor.name),
    );
    expect(names).toContain(METRIC.duration);
  } finally {
    trace.disable();
    metrics.disable();
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  }
});

describe('flushTelemetry', () => {
  it('exports the spans a batch processor still holds, and resolves at once without an SDK', async () => {
    await flushTelemetry(); // nothing registered
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 3_600_000 })],
    });
    trace.setGlobalTracerProvider(provider);
    try {
      trace.getTracer('t').startSpan('held').end();
      expect(exporter.getFinishedSpans()).toEqual([]);
      await flushTelemetry();
      expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['held']);
    } finally {
      trace.disable();
      await provider.shutdown();
    }
  });

  it('gives up after timeoutMs on an exporter that never answers', async () => {
    const hanging = { export: () => {}, shutdown: async () => {} };
    const provider = new TracerProvider({
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: hanging,
          scheduledDelayMillis: 3_600_000,
          exportTimeoutMillis: 1_000,
        }),
      ],
    });
    trace.setGlobalTracerProvider(provider);
    try {
      trace.getTracer('t').startSpan('stuck').end();
      const startedAt = Date.now();
      await flushTelemetry(200);
      expect(Date.now() - startedAt).toBeLessThan(2_000); // the processor alone would wait 3 s
    } finally {
      trace.disable();
      await provider.shutdown().catch(() => {}); // its own export timeout ends it
    }
  });
});
