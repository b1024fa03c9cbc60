import { isInputError } from '../../index';
import type { KeyMismatchError } from '../../outbox';
import { UsageError } from '../exit-codes';

/** How to make a key, as docs/outbox.md says: said wherever a key is missing or wrong. */
const MAKE_ONE = 'make one with: openssl rand -base64 32';

/**
 * The keys of DIGILOCKER_OUTBOX_KEYS: comma-separated, spaces around each ignored; an empty list when
 * the variable is unset or blank. An empty entry (a trailing or doubled comma) is refused, naming its
 * position, as the library's own reading of the variable (`.split(',')`, docs/outbox.md) refuses it:
 * one rule for both, and a key left out by a slip never goes unnoticed.
 * @throws {UsageError} for an empty entry; never quotes a key.
 */
export function outboxKeysFrom(env: NodeJS.ProcessEnv): string[] {
  const value = env.DIGILOCKER_OUTBOX_KEYS ?? '';
  if (value.trim() === '') return [];
  const keys = value.split(',').map((key) => key.trim());
  const empty = keys.indexOf('');
  if (empty !== -1)
    throw new UsageError(
      `DIGILOCKER_OUTBOX_KEYS: entry ${empty + 1} of ${keys.length} (comma-separated) is empty: ` +
        'remove the stray comma',
    );
  return keys;
}

/** The usage error of a command that needs a key when DIGILOCKER_OUTBOX_KEYS holds none. */
export const NO_KEYS = `Set DIGILOCKER_OUTBOX_KEYS (base64 or hex 256-bit keys, comma-separated; ${MAKE_ONE})`;

/**
 * An error of the outbox's open about `encryptionKeys` in the CLI's words: the variable and the
 * position of the entry (the library names its option and a 0-based index, `encryptionKeys[1]`,
 * which the CLI user never wrote), or undefined for any other error. By the error's `input`, never
 * by its message; the key itself is never in either.
 */
export function keyErrorInCliWords(error: unknown): string | undefined {
  if (!isInputError(error)) return undefined;
  const entry = /^encryptionKeys\[(\d+)\]$/.exec(error.input);
  if (entry)
    return (
      `DIGILOCKER_OUTBOX_KEYS: entry ${Number(entry[1]) + 1} is not a 256-bit key, which is 32 random ` +
      `bytes as base64 (44 characters) or hex (64 characters): ${MAKE_ONE}`
    );
  // The only other check of the list as a whole that a non-empty list of strings can fail.
  if (error.input === 'encryptionKeys')
    return 'DIGILOCKER_OUTBOX_KEYS holds the same key twice (perhaps once as base64, once as hex): keep one';
  return undefined;
}

/**
 * `drain`'s KeyMismatchError in the CLI's words: the library's message names its `encryptionKeys`
 * option and its methods; this one names the variable and the commands.
 */
export function keyMismatchInCliWords(error: KeyMismatchError): string {
  return (
    `${error.jobs} pending job(s) were encrypted with key id(s) ${error.missingKeyIds.join(', ')}, ` +
    'which DIGILOCKER_OUTBOX_KEYS does not hold; they wait, unsent, for an instance that holds it: add ' +
    'that key to DIGILOCKER_OUTBOX_KEYS (after the first, which encrypts new jobs). If no instance holds ' +
    'it any more (a lost key), list the jobs with `digilocker-revoke outbox keys` and delete them with ' +
    '`digilocker-revoke outbox purge-key <key-id> --yes`: their tokens can no longer be revoked by the outbox'
  );
}
