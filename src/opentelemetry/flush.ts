import { metrics, trace } from '@opentelemetry/api';

/** What an SDK's providers have and the API's do not: a way to export what they hold. */
interface Flushable {
  forceFlush?: () => Promise<unknown>;
  getDelegate?: () => unknown;
}

/**
 * Exports what the globally registered SDK still holds (spans in a batch processor, metrics since the
 * last export), waiting at most `timeoutMs`. For a process that ends with `process.exit()`, as the
 * `digilocker-revoke` CLI does, which would otherwise lose them. Never rejects: an exporter that
 * fails or hangs does not change how the process ends. Without an SDK registered, resolves at once.
 *
 * @param timeoutMs the longest wait
 * @default timeoutMs 5000
 * @example
 * await flushTelemetry();
 * process.exit(code);
 */
export async function flushTelemetry(timeoutMs = 5000): Promise<void> {
  const tracerProvider = () => {
    const provider = trace.getTracerProvider() as Flushable;
    return (provider.getDelegate?.() ?? provider) as Flushable;
  };
  const meterProvider = () => metrics.getMeterProvider() as Flushable;
  // Async, so that a provider that throws at once is a rejection like any other, and ignored.
  const flush = async (provider: () => Flushable) => {
    await provider().forceFlush?.();
  };
  const flushes = [tracerProvider, meterProvider].map((provider) => flush(provider).catch(() => {}));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([Promise.all(flushes), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
