/** The delays between a job's attempts: exponential, with jitter, bounded. */
export interface BackoffPolicy {
  /** The delay after the first failed attempt, in seconds. */
  minDelaySeconds: number;
  /** The longest delay, in seconds. */
  maxDelaySeconds: number;
}

/**
 * Seconds before attempt `attempt + 1` after `attempt` failed attempts: `min * 2^(attempt-1)`, capped
 * at `max`, with equal jitter (a random half of it is dropped) so that jobs failed together spread
 * out; at least `atLeastSeconds` (a server's Retry-After), and never past the job's expiry (the next
 * run then ends it as expired without a request). Whole seconds, at least 1: what pg-boss stores.
 */
export function retryDelaySeconds(
  policy: BackoffPolicy,
  attempt: number,
  expiresAtMs: number,
  nowMs: number,
  atLeastSeconds = 0,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    policy.maxDelaySeconds,
    policy.minDelaySeconds * 2 ** Math.max(0, attempt - 1),
  );
  const jittered = exponential / 2 + (exponential / 2) * random();
  const wanted = Math.max(jittered, Math.min(atLeastSeconds, policy.maxDelaySeconds));
  const untilExpiry = (expiresAtMs - nowMs) / 1000;
  return Math.max(1, Math.ceil(Math.min(wanted, untilExpiry)));
}
