import { type Attributes, type Span, SpanStatusCode } from '@opentelemetry/api';
import type { RevocationResult } from '../results';
import type { TokenTypeHint } from '../wire';
import { runInSpan } from './batch-span';
import { errorType } from './error-type';
import type { TelemetryScope } from './instrumented-client';
import { ATTRIBUTE, SPAN } from './names';
import { safely, startSpan } from './safely';

/**
 * Runs one token's call, the core's `aroundCall`: in its `digilocker.revoke` span (unless `withSpan`
 * is false: a large revokeMany, whose span then holds the call's work), and records its duration. The
 * span's attributes say how it ended; the duration's say only outcome, `error.type` and
 * `server.address` (no attribute of a metric tells tokens apart). A failing telemetry step changes
 * nothing of the call ({@link safely}).
 */
export async function observeTokenCall(
  scope: TelemetryScope,
  hint: TokenTypeHint | undefined,
  run: () => Promise<RevocationResult>,
  withSpan = true,
): Promise<RevocationResult> {
  const startedAt = performance.now();
  const span = withSpan
    ? startSpan(scope.tracer, SPAN.revoke, { attributes: spanAttributes(scope, hint) })
    : undefined;
  try {
    const result = await (span ? runInSpan(span, run) : run());
    const outcome = { [ATTRIBUTE.outcome]: result.outcome };
    safely(() =>
      span?.setAttributes({
        ...outcome,
        [ATTRIBUTE.attempts]: result.attempts,
        [ATTRIBUTE.confirmed]: result.confirmed,
      }),
    );
    safely(() => recordDuration(scope, startedAt, outcome));
    return result;
  } catch (error) {
    const type = errorType(error);
    const outcome = { [ATTRIBUTE.outcome]: 'error', [ATTRIBUTE.errorType]: type };
    if (span) safely(() => markFailed(span, outcome, error));
    safely(() => recordDuration(scope, startedAt, outcome));
    throw error;
  } finally {
    if (span) safely(() => span.end());
  }
}

function spanAttributes(scope: TelemetryScope, hint: TokenTypeHint | undefined): Attributes {
  const attributes: Attributes = { ...scope.server };
  if (hint !== undefined) attributes[ATTRIBUTE.tokenTypeHint] = hint;
  return attributes;
}

function markFailed(span: Span, outcome: Attributes, error: unknown): void {
  span.setAttributes(outcome);
  const attempts = (error as { attempts?: unknown } | null)?.attempts;
  if (typeof attempts === 'number') span.setAttribute(ATTRIBUTE.attempts, attempts);
  span.setStatus({ code: SpanStatusCode.ERROR, message: String(outcome[ATTRIBUTE.errorType]) });
}

function recordDuration(scope: TelemetryScope, startedAt: number, outcome: Attributes): void {
  const seconds = (performance.now() - startedAt) / 1000;
  scope.instruments().duration.record(seconds, {
    [ATTRIBUTE.serverAddress]: scope.server[ATTRIBUTE.serverAddress],
    ...outcome,
  });
}
