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
  const tracerProvider = trace.getTracerProvider() as Flushable;
  const providers = [
    (tracerProvider.getDelegate?.() ?? tracerProvider) as Flushable,
    metrics.getMeterProvider() as Flushable,
  ];
  const flushes = providers.map((provider) => Promise.resolve(provider.forceFlush?.()).catch(() => {}));
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
