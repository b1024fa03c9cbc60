import {
  assertKnownKeys,
  describeType,
  integerInRange,
  optionalBoolean,
  rangeError,
  typeError,
} from '../validate';
import { OUTBOX_DEFAULTS } from './options';
import type { EmbeddedStoreOptions } from './store';

const KNOWN_EMBEDDED_STORE = new Set(['directory', 'create', 'unsafeSkipFsync', 'queryTimeoutMs']);

/**
 * Validates `store` when it names a directory (the embedded store) and completes its defaults.
 * @throws {InputTypeError} an unknown option or a value of the wrong type (`code: 'invalid_option'`).
 * @throws {InputRangeError} an empty directory or a timeout out of range (same `code`).
 */
export function normalizeEmbeddedStore(store: Record<string, unknown>): Required<EmbeddedStoreOptions> {
  assertKnownKeys(store, KNOWN_EMBEDDED_STORE, 'store.');
  const { directory } = store;
  if (typeof directory !== 'string')
    throw typeError('store.directory', `must be a string, got ${describeType(directory)}`);
  if (directory.length === 0) throw rangeError('store.directory', 'must not be empty');
  return {
    directory,
    create: store.create === undefined ? true : optionalBoolean('store.create', store.create),
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
