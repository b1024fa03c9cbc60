/**
 * digilocker-revocation/outbox (Node): guaranteed revocation. Sign-outs are committed to a durable
 * queue (pg-boss, on an embedded PostgreSQL or a PostgreSQL server) and revoked by workers, across
 * crashes, restarts and DigiLocker outages. pg-boss, @electric-sql/pglite and pg are optional peer
 * dependencies, loaded only when a store needs them.
 */
export { type EncryptionKey, generateEncryptionKey } from './crypto';
export type { EnqueuedJob } from './enqueue';
export {
  EnqueueFailedError,
  KeyMismatchError,
  MissingDependencyError,
  OutboxError,
  type OutboxErrorCode,
  type OutboxStateCode,
  OutboxStateError,
  PausedForCredentialsError,
  StoreDamagedError,
  StoreFailedError,
  StoreLockedError,
  StoreNotFoundError,
  StoreSaturatedError,
  StoreTimeoutError,
  type StoreUnavailableCode,
  StoreUnavailableError,
} from './errors';
export type { JobFingerprints, OutboxEvent } from './events';
export type { EnqueueOptions } from './input';
export type { KeyJobCount, KeyJobs } from './key-jobs';
export { openRevocationOutbox, type RevocationOutbox } from './open';
export { type BackoffPolicy, OUTBOX_DEFAULTS, type RevocationOutboxOptions } from './options';
export type { OutboxPause } from './pause';
export type { OutboxStats } from './stats';
export type { EmbeddedStoreOptions, SqlExecutor, StoreOptions } from './store';
