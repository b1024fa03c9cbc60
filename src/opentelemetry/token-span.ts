import { type Attributes, SpanStatusCode } from '@opentelemetry/api';
import type { TokenTypeHint } from '../raw';
import type { RevocationResult } from '../results';
import { runInSpan } from './batch-span';
import { errorType } from './error-type';
import type { TelemetryScope } from './instrumented-client';
import { ATTRIBUTE, SPAN } from './names';

/**
 * Runs one token's call in its `digilocker.revoke` span and records its duration. The span's
 * attributes say how it ended; the duration's say only outcome, `error.type` and `server.address`
 * (no attribute of a metric tells tokens apart).
 */
export async function observeTokenCall(
  scope: TelemetryScope,
  hint: TokenTypeHint | undefined,
  run: () => Promise<RevocationResult>,
): Promise<RevocationResult> {
  const attributes: Attributes = { ...scope.server };
  if (hint !== undefined) attributes[ATTRIBUTE.tokenTypeHint] = hint;
  const span = scope.tracer.startSpan(SPAN.revoke, { attributes });
  const startedAt = performance.now();
  const record = (outcome: Attributes) => {
    const seconds = (performance.now() - startedAt) / 1000;
    scope.instruments().duration.record(seconds, {
      [ATTRIBUTE.serverAddress]: scope.server[ATTRIBUTE.serverAddress],
      ...outcome,
    });
  };
  try {
    const result = await runInSpan(span, run);
    const outcome = { [ATTRIBUTE.outcome]: result.outcome };
    span.setAttributes({
      ...outcome,
      [ATTRIBUTE.attempts]: result.attempts,
      [ATTRIBUTE.confirmed]: result.confirmed,
    });
    record(outcome);
    return result;
  } catch (error) {
    const type = errorType(error);
    const outcome = { [ATTRIBUTE.outcome]: 'error', [ATTRIBUTE.errorType]: type };
    span.setAttributes(outcome);
    const attempts = (error as { attempts?: unknown } | null)?.attempts;
    if (typeof attempts === 'number') span.setAttribute(ATTRIBUTE.attempts, attempts);
    span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    record(outcome);
    throw error;
  } finally {
    span.end();
  }
}
