import type { SignOutResult, SignOutTokens } from '../results';
import type { RunContext } from './runner';

/** What {@link sendUnlessPaused} did. */
export interface Sent {
  /** The outcome of each token sent (those not sent are absent). */
  result: SignOutResult;
  /** True when a pause stopped a request of this sign-out from leaving (then `result` is partial). */
  paused: boolean;
}

/**
 * Signs out one session token by token, in `signOut`'s order (the refresh token first), each request
 * in one of the instance's `concurrency` slots, reading the cluster's pause right before it leaves, so
 * that a pause another instance has committed stops the next request, not only the next job. After a
 * token refused for rate limiting or credentials, the next is not sent: it would meet the same answer,
 * and the pause that follows covers it.
 * `onFirstRequest` is called once, before the first request leaves (the job's `attempt` event).
 */
export async function sendUnlessPaused(
  context: RunContext,
  tokens: SignOutTokens,
  onFirstRequest: () => void,
): Promise<Sent> {
  const sent: Sent = { result: { complete: true }, paused: false };
  let requests = 0;
  for (const key of ORDER) {
    const token = tokens[key];
    if (token === undefined) continue;
    const outcome = await context.slots.use(async () => {
      if (context.gate.paused || (await context.pause.current()) !== undefined) return 'paused' as const;
      if (requests++ === 0) onFirstRequest();
      return (await context.client.signOut({ [key]: token }))[key];
    });
    if (outcome === 'paused') {
      sent.paused = true;
      sent.result.complete = false;
      return sent;
    }
    if (outcome === undefined) continue;
    sent.result[key] = outcome;
    if (outcome.ok) continue;
    sent.result.complete = false;
    if (outcome.error.code === 'rate_limited' || outcome.error.code === 'invalid_client') return sent;
  }
  return sent;
}

const ORDER = ['refreshToken', 'accessToken'] as const;
