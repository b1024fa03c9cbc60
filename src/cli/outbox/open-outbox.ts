import { createHash } from 'node:crypto';
import { type OutboxEvent, openRevocationOutbox, type RevocationOutbox } from '../../outbox';
import { describeConnectionString, isPostgresUrl } from '../../outbox/store';
import { clientFromOptions, fetchFromOptions } from '../client-from-options';
import { RefusedError, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { secretsOf, secretsRedactor } from '../redaction';
import { loadTelemetry } from '../telemetry';
import type { OutboxFlags } from './flags';
import { keyErrorInCliWords, NO_KEYS, outboxKeysFrom } from './outbox-keys';

/**
 * How a command opens the outbox: with a client (to revoke), whether a missing embedded store may
 * be created (only to queue tokens: a command that works an existing queue must not leave a new store
 * behind a mistyped path), and whether it needs DIGILOCKER_OUTBOX_KEYS (only to encrypt or decrypt
 * tokens: an operator without the keys can still read and administer the queue).
 */
export interface OpenMode {
  client: boolean;
  create: boolean;
  keys: boolean;
}

/** Opens the outbox named by --store (or DIGILOCKER_OUTBOX_STORE), runs `action`, always closes it. */
export async function withOutbox(
  flags: Partial<OutboxFlags>,
  io: CliIo,
  mode: OpenMode,
  action: (outbox: RevocationOutbox) => Promise<number>,
  onEvent?: (event: OutboxEvent) => void,
): Promise<number> {
  // --proxy, or else the environment's proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), as for `revoke`.
  const transport = mode.client ? fetchFromOptions(flags.proxy, flags.concurrency ?? 8) : undefined;
  try {
    // With telemetry on, the client's calls and the outbox's job ends are recorded as `revoke`'s are.
    const telemetry = transport ? await loadTelemetry() : undefined;
    const create = telemetry?.createInstrumentedRevocationClient;
    const client = transport ? clientFromOptions(flags, io.env, transport, undefined, create) : undefined;
    const listeners = [warnOnce(io, flags.store), onEvent, telemetry?.outboxEventRecorder()];
    const outbox = await openFor(flags, io.env, client, mode, everyOne(listeners));
    try {
      return await action(outbox);
    } finally {
      await outbox.close();
    }
  } finally {
    await transport?.close();
  }
}

/** One listener that calls each of the given ones. */
function everyOne(listeners: (((event: OutboxEvent) => void) | undefined)[]): (event: OutboxEvent) => void {
  return (event) => {
    for (const listener of listeners) listener?.(event);
  };
}

/**
 * Says each distinct `error` event of the outbox once on stderr, as a warning: what went wrong around
 * the work (the store's statements failing and retried, a close that could not compact the job table
 * on a full disk) without failing it. Redacted like every line of the CLI (the store's password too).
 */
function warnOnce(io: CliIo, store: string | undefined): (event: OutboxEvent) => void {
  const said = new Set<string>();
  const redact = secretsRedactor(secretsOf(io.env, [store]));
  return (event) => {
    if (event.type !== 'error' || said.has(event.message) || said.size >= MAX_WARNINGS) return;
    said.add(event.message);
    io.stderr.write(`digilocker-revoke: warning: ${redact(event.message)}\n`);
  };
}

/** Distinct warnings said at most in one run: a store that keeps failing differently says enough. */
const MAX_WARNINGS = 20;

/** Opens the outbox; every configuration problem becomes a UsageError whose message names no secret. */
export async function openFor(
  flags: Partial<OutboxFlags>,
  env: NodeJS.ProcessEnv,
  client: ReturnType<typeof clientFromOptions> | undefined,
  mode: Pick<OpenMode, 'create' | 'keys'>,
  onEvent?: (event: OutboxEvent) => void,
): Promise<RevocationOutbox> {
  const where = givenOrUnset(flags.store, env.DIGILOCKER_OUTBOX_STORE, 'The store given');
  if (where === undefined) throw new UsageError('Give --store DIR|URL, or set DIGILOCKER_OUTBOX_STORE');
  const keys = outboxKeysFrom(env);
  if (keys.length === 0 && mode.keys) throw new UsageError(NO_KEYS);
  const { create } = mode;
  const connectionString = connectionStringOf(where);
  const isUrl = connectionString !== undefined;
  const schema = givenOrUnset(flags.schema, env.DIGILOCKER_OUTBOX_SCHEMA, 'The schema given');
  try {
    return await openRevocationOutbox({
      store: isUrl ? { connectionString, create } : { directory: where, create },
      // Unset, for a command that decrypts nothing: the library's administration-only outbox.
      ...(keys.length === 0 ? {} : { encryptionKeys: keys }),
      ...(schema === undefined ? {} : { schema }),
      // Also without a client (outbox status): the pause it shows then says whether it holds these.
      ...(client || hasCredentials(env) ? { credentialsId: credentialsIdOf(env) } : {}),
      concurrency: flags.concurrency ?? 8,
      ...(client ? { client } : {}),
      ...(onEvent ? { onEvent } : {}),
    });
  } catch (error) {
    const keyError = keyErrorInCliWords(error);
    if (keyError !== undefined) throw new UsageError(keyError);
    if (SAID_AS_IS.has((error as { code?: unknown }).code as string))
      throw new RefusedError((error as Error).message);
    const location = isUrl ? describeConnectionString(connectionString) : where;
    throw new RefusedError(`Cannot open the store ${location}: ${(error as Error).message}`);
  }
}

/**
 * The flag's value, else the environment variable's, else undefined. An empty or blank value is
 * refused, never taken for unset: `--schema "$SCHEMA"` with SCHEMA unset would otherwise work on the
 * default queue (and `outbox purge` delete its dead jobs) instead of the one meant.
 * @throws {UsageError} for an empty value.
 */
function givenOrUnset(flag: string | undefined, variable: string | undefined, what: string) {
  const value = flag ?? variable;
  if (value !== undefined && value.trim() === '')
    throw new UsageError(`${what} (an option or the environment) is empty: give a value or leave it out`);
  return value;
}

/**
 * The PostgreSQL URL `where` is (trimmed, its scheme in any case), or undefined for a directory. A
 * value with any other scheme is refused rather than taken as a directory: `postgres:/...` or
 * `mysql://...` would otherwise become a local store no worker reads, with the password in its path.
 * @throws {UsageError} naming neither the value nor its password.
 */
function connectionStringOf(where: string): string | undefined {
  const trimmed = where.trim();
  if (isPostgresUrl(trimmed)) return trimmed;
  // Two characters at least: `C:\...` is a Windows path, not a scheme.
  if (/^[a-z][a-z0-9+.-]+:/i.test(trimmed))
    throw new UsageError(
      'The store is neither a postgres:// or postgresql:// URL nor a directory: check its scheme and ' +
        'slashes (a directory whose name has a colon is written ./name)',
    );
  return undefined;
}

/**
 * The open failures whose message already names the store, the cause and the next step (or the flag
 * at fault), by `code`: said as they are. Any other failure is prefixed with the store it was opening.
 */
const SAID_AS_IS = new Set([
  'invalid_option',
  'store_locked',
  'missing_dependency',
  'store_timeout',
  'store_unavailable',
  'store_unreachable',
  'store_auth_failed',
  'store_database_missing',
  'store_refused',
]);

/** The environment variables that hold the credentials, fingerprinted by {@link credentialsIdOf}. */
const CREDENTIAL_VARIABLES = [
  'DIGILOCKER_CLIENT_ID',
  'DIGILOCKER_CLIENT_SECRET',
  'DIGILOCKER_ACCESS_TOKEN',
] as const;

/** Whether the environment holds credentials (one of {@link CREDENTIAL_VARIABLES} set). */
export function hasCredentials(env: NodeJS.ProcessEnv): boolean {
  return CREDENTIAL_VARIABLES.some((name) => Boolean(env[name]));
}

/**
 * A fingerprint of the credentials in the environment (never the secret: 16 hex characters of a
 * SHA-256), so that a pause for refused credentials ends once they change.
 */
function credentialsIdOf(env: NodeJS.ProcessEnv): string {
  const credentials = CREDENTIAL_VARIABLES.map((name) => env[name]);
  return createHash('sha256').update(JSON.stringify(credentials)).digest('hex').slice(0, 16);
}
