import {
  assertKnownKeys,
  describeType,
  integerInRange,
  optionalBoolean,
  rangeError,
  typeError,
} from '../validate';
import { OUTBOX_DEFAULTS } from './options';
import { type EmbeddedStoreOptions, isPostgresUrl } from './store';
import type { ServerStoreSettings } from './store-postgres';

/** The `store` option once validated, with its defaults: a directory's, or a PostgreSQL server's. */
export type StoreSettings = Required<EmbeddedStoreOptions> | ServerStoreSettings;

/**
 * Validates `store` (either `{ directory }`, the embedded store, or `{ connectionString }`) and
 * completes its defaults.
 * @throws {InputTypeError} an unknown option or a value of the wrong type (`code: 'invalid_option'`,
 *   `input` naming it, e.g. `store.maxConnections`).
 * @throws {InputRangeError} an empty directory or a setting out of its bounds (same `code`).
 */
export function normalizeStore(store: unknown): StoreSettings {
  if (store === null || typeof store !== 'object')
    throw typeError('store', 'must be { directory } or { connectionString }');
  const { directory, connectionString } = store as Record<string, unknown>;
  if ((directory === undefined) === (connectionString === undefined))
    throw typeError('store', 'must have either directory or connectionString');
  if (directory !== undefined) return normalizeEmbeddedStore(store as Record<string, unknown>);
  return normalizeServerStore(store as Record<string, unknown>);
}

const KNOWN_EMBEDDED_STORE = new Set(['directory', 'create', 'unsafeSkipFsync', 'queryTimeoutMs']);

function normalizeEmbeddedStore(store: Record<string, unknown>): Required<EmbeddedStoreOptions> {
  assertKnownKeys(store, KNOWN_EMBEDDED_STORE, 'store.');
  const { directory } = store;
  if (typeof directory !== 'string')
    throw typeError('store.directory', `must be a string, got ${describeType(directory)}`);
  if (directory.length === 0) throw rangeError('store.directory', 'must not be empty');
  return {
    directory,
    create: createOf(store.create),
    unsafeSkipFsync: optionalBoolean('store.unsafeSkipFsync', store.unsafeSkipFsync),
    queryTimeoutMs: integerInRange(
      'store.queryTimeoutMs',
      store.queryTimeoutMs,
      100,
      3_600_000,
      OUTBOX_DEFAULTS.queryTimeoutMs,
    ),
  };
}

const KNOWN_SERVER_STORE = new Set([
  'connectionString',
  'create',
  'maxConnections',
  'enqueueConnections',
  'maxWaiting',
  'connectTimeoutMs',
  'queryTimeoutMs',
]);

/** The settings of a PostgreSQL store, with their defaults (its connection string is never echoed). */
function normalizeServerStore(store: Record<string, unknown>): ServerStoreSettings {
  assertKnownKeys(store, KNOWN_SERVER_STORE, 'store.');
  const { connectionString } = store;
  if (typeof connectionString !== 'string' || !isPostgresUrl(connectionString))
    throw typeError('store.connectionString', 'must be a postgres:// or postgresql:// URL');
  if (!URL.canParse(connectionString))
    throw typeError(
      'store.connectionString',
      'is not a valid URL (not shown: it may hold a password); ' +
        'percent-encode special characters of the user and password, e.g. @ as %40',
    );
  const setting = (
    name: keyof typeof OUTBOX_DEFAULTS & keyof ServerStoreSettings,
    min: number,
    max: number,
  ) => integerInRange(`store.${name}`, store[name], min, max, OUTBOX_DEFAULTS[name]);
  return {
    connectionString,
    create: createOf(store.create),
    maxConnections: setting('maxConnections', 1, 1000),
    enqueueConnections: setting('enqueueConnections', 1, 1000),
    maxWaiting: setting('maxWaiting', 0, 1_000_000),
    connectTimeoutMs: setting('connectTimeoutMs', 100, 600_000),
    queryTimeoutMs: setting('queryTimeoutMs', 100, 3_600_000),
  };
}

/** `store.create`, true unless given (only `undefined` is left out: `null` is not a boolean). */
function createOf(value: unknown): boolean {
  return value === undefined ? true : optionalBoolean('store.create', value);
}
