// An in-memory OpenTelemetry SDK for the tests of digilocker-revocation/opentelemetry: a tracer
// provider with an in-memory span exporter, a meter provider read on demand, the AsyncLocalStorage
// context manager, the W3C trace-context propagator, and the undici instrumentation (HTTP CLIENT spans of global fetch and undici),
// all registered globally, as an application registers them.
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export interface Telemetry {
  /** Every span ended since the test began. */
  spans(): ReadableSpan[];
  /** The metrics recorded since the file began (cumulative), collected now. */
  collect(): Promise<ResourceMetrics[]>;
}

/** Registers the SDK before the file's tests, clears it between tests and removes it after them. */
export function useTelemetry(): Telemetry {
  const spanExporter = new InMemorySpanExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  let undici: UndiciInstrumentation;
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    // pg-boss stores the trace context of send() on the job through the global propagator.
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    // Made here: it subscribes to undici's diagnostics channels as soon as it is constructed.
    undici = new UndiciInstrumentation();
    undici.setTracerProvider(tracerProvider);
    undici.setMeterProvider(meterProvider);
  });
  afterEach(() => spanExporter.reset());
  afterAll(async () => {
    undici.disable();
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    trace.disable();
    propagation.disable();
    metrics.disable();
    context.disable();
  });
  return {
    spans: () => spanExporter.getFinishedSpans(),
    async collect() {
      metricExporter.reset();
      await reader.forceFlush();
      return metricExporter.getMetrics();
    },
  };
}

/** The data points of the metric `name`, as { attributes, value } (a histogram's value is its count and sum). */
export function pointsOf(resourceMetrics: ResourceMetrics[], name: string) {
  return resourceMetrics
    .flatMap((resource) => resource.scopeMetrics)
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) =>
      metric.dataPoints.map((point) => ({ attributes: point.attributes, value: point.value })),
    );
}

/** The spans named `name`. */
export function named(spans: ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((span) => span.name === name);
}

/** The spans whose parent is `parent`. */
export function childrenOf(spans: ReadableSpan[], parent: ReadableSpan): ReadableSpan[] {
  return spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);
}
