/**
 * Every span, event, attribute and metric name this entry emits: one home, so that docs/observability.md
 * and dashboards can rely on them. Standard names come from the OpenTelemetry semantic conventions
 * (`server.*`, `error.type`); the rest live under `digilocker.`.
 */
export const SPAN = {
  /** One token's call, over all its attempts. */
  revoke: 'digilocker.revoke',
  signOut: 'digilocker.sign_out',
  revokeMany: 'digilocker.revoke_many',
} as const;

/** The span event of each retry. */
export const RETRY_EVENT = 'digilocker.retry';

/** The attributes this entry sets on its spans and metric points (never a token, secret or fingerprint on a metric). */
export const ATTRIBUTE = {
  serverAddress: 'server.address',
  serverPort: 'server.port',
  /** The `RevocationError` code, or the error's name for anything else (`TypeError`, `AbortError`). */
  errorType: 'error.type',
  tokenTypeHint: 'digilocker.token_type_hint',
  /** `revoked`, `already_invalid` or `error`. */
  outcome: 'digilocker.revocation.outcome',
  attempts: 'digilocker.revocation.attempts',
  confirmed: 'digilocker.revocation.confirmed',
  retryAttempt: 'digilocker.retry.attempt',
  /** Seconds until the next attempt. */
  retryDelay: 'digilocker.retry.delay',
  retryReason: 'digilocker.retry.reason',
  batchSize: 'digilocker.batch.size',
  batchRevoked: 'digilocker.batch.revoked',
  batchAlreadyInvalid: 'digilocker.batch.already_invalid',
  batchFailed: 'digilocker.batch.failed',
  outboxOutcome: 'digilocker.outbox.outcome',
  pauseReason: 'digilocker.outbox.pause.reason',
} as const;

/** The names of this entry's metrics (OpenTelemetry conventions: seconds, no `_total`). */
export const METRIC = {
  /** Histogram, seconds: one token's call, all attempts and delays included. */
  duration: 'digilocker.revocation.duration',
  /** Counter: attempts that were followed by another. */
  retries: 'digilocker.revocation.retries',
  /** Counter: outbox jobs that ended (or were scheduled to run again). */
  jobsEnded: 'digilocker.outbox.jobs.ended',
  /** Counter: times the outbox paused every instance on its queue. */
  pauses: 'digilocker.outbox.pauses',
} as const;

/** The instrumentation scope's name. */
export const SCOPE = 'digilocker-revocation';
