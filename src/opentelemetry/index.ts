/**
 * digilocker-revocation/opentelemetry: traces and metrics of revocations for OpenTelemetry.
 * `@opentelemetry/api` is an optional peer dependency (^1.9.0): install it, and an SDK, to use this
 * entry; the core entry never imports it.
 */

export { flushTelemetry } from './flush';
export {
  createInstrumentedRevocationClient,
  type RevocationTelemetryOptions,
} from './instrumented-client';
export { ATTRIBUTE, METRIC, RETRY_EVENT, SPAN } from './names';
export { outboxEventRecorder } from './outbox-events';
export { traceCommand } from './run-span';
