import { type Meter, trace } from '@opentelemetry/api';
import type { OutboxEvent } from '../outbox/events';
import { instrumentsOf } from './instruments';
import { ATTRIBUTE } from './names';
import { safely } from './safely';

/**
 * Returns an outbox `onEvent` that records the outbox's metrics:
 * - `digilocker.outbox.jobs.ended`, by `digilocker.outbox.outcome` (`revoked`, `already_invalid`,
 *   `retry_scheduled`, `expired`, `dead`) and `error.type` (the code that failed the attempt);
 * - `digilocker.outbox.pauses`, by `digilocker.outbox.pause.reason` (`rate_limited`, `invalid_client`).
 * A job's end also goes on the active span as the same attributes: in a worker, that is pg-boss 12's own
 * CONSUMER `process` span of the job (pg-boss links it to the job's `send`). Queue depth is pg-boss 12's
 * `pgboss.queue.jobs` gauge; nothing here repeats it. No job id, `ref` or fingerprint is recorded.
 *
 * @example
 * const outbox = await openRevocationOutbox({
 *   client: createInstrumentedRevocationClient({ environment: 'production', credentials }),
 *   store: { directory: '.digilocker-outbox' },
 *   encryptionKeys: [process.env.OUTBOX_KEY!],
 *   onEvent: outboxEventRecorder(),
 * });
 */
export function outboxEventRecorder(telemetry: { meter?: Meter } = {}): (event: OutboxEvent) => void {
  const instruments = instrumentsOf(telemetry?.meter, 'outboxEventRecorder(telemetry).meter');
  return (event) => {
    if (event.type === 'paused') {
      safely(() => instruments().pauses.add(1, { [ATTRIBUTE.pauseReason]: event.reason }));
      return;
    }
    const ended = jobEnd(event);
    if (ended === undefined) return;
    safely(() => instruments().jobsEnded.add(1, ended));
    safely(() => trace.getActiveSpan()?.setAttributes(ended));
  };
}

/** The attributes of a job's end, or undefined for an event that is not one. */
function jobEnd(event: OutboxEvent): Record<string, string> | undefined {
  switch (event.type) {
    case 'revoked':
      return { [ATTRIBUTE.outboxOutcome]: event.outcome };
    case 'expired':
      return { [ATTRIBUTE.outboxOutcome]: 'expired' };
    case 'retry_scheduled':
    case 'dead':
      return { [ATTRIBUTE.outboxOutcome]: event.type, [ATTRIBUTE.errorType]: event.code };
    default:
      return undefined;
  }
}
