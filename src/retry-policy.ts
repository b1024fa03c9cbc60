/** Statuses worth another attempt: timeouts, throttling and transient server failures. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** True for 408, 429, 500, 502, 503 and 504; never for any other 4xx. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * The delay before attempt `attempt + 1`, after attempt `attempt` failed: exponential backoff with full
 * jitter, `random(0, min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)))`.
 */
export function backoffDelay(
  attempt: number,
  settings: { baseDelayMs: number; maxDelayMs: number },
  random: () => number,
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * A Retry-After header as milliseconds from `now` (epoch milliseconds): delta-seconds or an HTTP-date;
 * undefined when absent or unreadable. A date in the past means no wait.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
