import {
  diag,
  INVALID_SPAN_CONTEXT,
  type Span,
  type SpanOptions,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/**
 * Runs one telemetry step (setting a span's attributes or status, ending it, recording a metric) and
 * hands its failure to OpenTelemetry's diagnostic logger instead of throwing it. Telemetry is never a
 * call's outcome: a tracer, sampler, span processor or meter that throws must not fail a token that
 * was revoked, stop the next token of a signOut, or reach the caller (OpenTelemetry's own rule for
 * instrumentation).
 */
export function safely(step: () => void): void {
  try {
    step();
  } catch (error) {
    report(error);
  }
}

/**
 * `tracer().startSpan`, or a span that records nothing when either throws (a provider whose
 * `getTracer` fails, a failing sampler).
 */
export function startSpan(tracer: () => Tracer, name: string, options: SpanOptions): Span {
  try {
    return tracer().startSpan(name, options);
  } catch (error) {
    report(error);
    return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  }
}

function report(error: unknown): void {
  try {
    diag.error('digilocker-revocation: a telemetry step failed; the revocation is unaffected', error);
  } catch {
    // A diagnostic logger that throws is telemetry too.
  }
}
