import { OUTBOX_DEFAULTS } from './options';
import type { EmbeddedStoreOptions } from './store';

const KNOWN_EMBEDDED_STORE = new Set(['directory', 'create', 'unsafeSkipFsync', 'queryTimeoutMs']);

/**
 * Validates `store` when it names a directory (the embedded store) and completes its defaults.
 * @throws TypeError for an unknown option or a value of the wrong type.
 */
export function normalizeEmbeddedStore(store: Record<string, unknown>): Required<EmbeddedStoreOptions> {
  for (const name of Object.keys(store))
    if (!KNOWN_EMBEDDED_STORE.has(name)) throw new TypeError(`unknown option "store.${name.slice(0, 40)}"`);
  const { directory, create = true, unsafeSkipFsync = false } = store;
  const { queryTimeoutMs = OUTBOX_DEFAULTS.queryTimeoutMs } = store;
  if (typeof directory !== 'string' || directory.length === 0)
    throw new TypeError('store.directory must be a non-empty string');
  if (typeof create !== 'boolean') throw new TypeError('store.create must be a boolean');
  if (typeof unsafeSkipFsync !== 'boolean') throw new TypeError('store.unsafeSkipFsync must be a boolean');
  if (typeof queryTimeoutMs !== 'number' || !Number.isInteger(queryTimeoutMs))
    throw new TypeError('store.queryTimeoutMs must be an integer');
  if (queryTimeoutMs < 100 || queryTimeoutMs > 3_600_000)
    throw new RangeError('store.queryTimeoutMs must be from 100 to 3600000');
  return { directory, create, unsafeSkipFsync, queryTimeoutMs };
}
