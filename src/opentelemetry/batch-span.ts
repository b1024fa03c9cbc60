import { context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RevocationResult } from '../results';
import { errorType } from './error-type';
import { ATTRIBUTE } from './names';
import { safely } from './safely';

/** The outcomes of a signOut or revokeMany so far. */
export interface BatchCounts {
  size: number;
  revoked: number;
  alreadyInvalid: number;
  failed: number;
}

/**
 * Runs `run` with `span` active: the spans started inside it (HTTP attempts, tokens) are its children;
 * `flag`, when given, is set to true in that context.
 */
export function runInSpan<T>(span: Span, run: () => Promise<T>, flag?: symbol): Promise<T> {
  const active = trace.setSpan(context.active(), span);
  return context.with(flag ? active.setValue(flag, true) : active, run);
}

/** Counts one outcome. */
export function countOutcome(
  counts: BatchCounts,
  outcome: { ok: true; result: RevocationResult } | { ok: false },
): void {
  counts.size++;
  if (!outcome.ok) counts.failed++;
  else if (outcome.result.outcome === 'revoked') counts.revoked++;
  else counts.alreadyInvalid++;
}

/**
 * Ends a batch's span with its counts. Failed tokens do not make the batch an error (each has its
 * outcome); only a call that threw (bad input, abort, a failing input) does. A failing telemetry
 * step is not thrown ({@link safely}).
 */
export function endBatchSpan(span: Span, counts: BatchCounts, error?: unknown): void {
  safely(() => {
    span.setAttributes({
      [ATTRIBUTE.batchSize]: counts.size,
      [ATTRIBUTE.batchRevoked]: counts.revoked,
      [ATTRIBUTE.batchAlreadyInvalid]: counts.alreadyInvalid,
      [ATTRIBUTE.batchFailed]: counts.failed,
    });
    if (error !== undefined) {
      const type = errorType(error);
      span.setAttribute(ATTRIBUTE.errorType, type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    }
  });
  safely(() => span.end());
}
