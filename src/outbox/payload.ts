/**
 * A job's `data` in pg-boss: written here, read here, and nowhere else. The stored (wire) names are
 * short and are kept as release 0.1 wrote them, because stores carried over from it must keep
 * decoding (tests/outbox/fixtures/v10); {@link decodePayload} turns them into full names.
 *
 * | wire  | decoded          | meaning |
 * |-------|------------------|---------|
 * | `v`   |                  | format version, 1 |
 * | `k`   | `sealed.k`       | id of the key that sealed the tokens (crypto.ts's `Sealed`) |
 * | `iv`  | `sealed.iv`      | AES-GCM IV, base64 |
 * | `ct`  | `sealed.ct`      | ciphertext of the tokens with its GCM tag, base64 |
 * | `fp`  | `fingerprints`   | the tokens' fingerprints (never the tokens) |
 * | `exp` | `expiresAtMs`    | when the job is given up, epoch ms, on the enqueuing machine's clock |
 * | `at`  | `sealedAtMs`     | when it was sealed, epoch ms, on that same clock (absent before 0.2) |
 * | `ref` | `ref`            | the caller's reference |
 * | `rv`  | `revokedBefore`  | release 0.1: an attempt revoked one of the tokens |
 * | `n`   |                  | release 0.1: attempts charged (pg-boss's `retryCount` counts them now) |
 * | `r`   |                  | release 0.1: runs given back without charge |
 * | `outcome` | `outcome`    | how the job ended; the ciphertext is gone once it is written |
 */
import { tokenFingerprint } from '../index';
import type { SignOutTokens } from '../results';
import { readSignOutTokens } from '../sign-out-tokens';
import { type OutboxKey, open, type Sealed, seal } from './crypto';
import type { JobFingerprints } from './events';

/** How a job ended. */
export type FinalOutcome = 'revoked' | 'already_invalid' | 'expired';

/** A pending job's `data` as stored (wire names: see the table above). */
export interface PendingPayload extends Sealed {
  v: 1;
  fp: JobFingerprints;
  exp: number;
  at?: number;
  ref?: string;
  n?: number;
  r?: number;
  rv?: boolean;
}

/** An ended job's `data` as stored: no ciphertext, the outcome written. */
export interface FinishedPayload {
  v: 1;
  fp: JobFingerprints;
  exp: number;
  ref?: string;
  outcome: FinalOutcome;
}

/** A job still to run, decoded. */
export interface PendingJob {
  state: 'pending';
  sealed: Sealed;
  fingerprints: JobFingerprints;
  expiresAtMs: number;
  /** Undefined for jobs sealed by release 0.1. */
  sealedAtMs: number | undefined;
  ref: string | undefined;
  revokedBefore: boolean;
}

/** A job whose end was written (its process may have stopped before pg-boss was told), decoded. */
export interface EndedJob {
  state: 'ended';
  fingerprints: JobFingerprints;
  expiresAtMs: number;
  ref: string | undefined;
  outcome: FinalOutcome;
}

/**
 * Decodes a job's stored `data`; `undefined` when it is neither a pending nor an ended job's (a value
 * written by something else: the job cannot run).
 */
export function decodePayload(data: unknown): PendingJob | EndedJob | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const stored = data as Partial<PendingPayload & FinishedPayload>;
  const fingerprints = stored.fp ?? {};
  const ref = typeof stored.ref === 'string' ? stored.ref : undefined;
  if (typeof stored.outcome === 'string')
    return { state: 'ended', fingerprints, expiresAtMs: Number(stored.exp), ref, outcome: stored.outcome };
  const { k, iv, ct, exp, at } = stored;
  if (typeof k !== 'string' || typeof iv !== 'string' || typeof ct !== 'string' || typeof exp !== 'number')
    return undefined;
  return {
    state: 'pending',
    sealed: { k, iv, ct },
    fingerprints,
    expiresAtMs: exp,
    sealedAtMs: typeof at === 'number' ? at : undefined,
    ref,
    revokedBefore: stored.rv === true,
  };
}

/** Encrypts the tokens of a sign-out for job `jobId`, and records when (see `at`). */
export async function sealTokens(
  tokens: SignOutTokens,
  key: OutboxKey,
  jobId: string,
  exp: number,
  ref: string | undefined,
): Promise<PendingPayload> {
  const plain: SignOutTokens = {};
  if (tokens.refreshToken !== undefined) plain.refreshToken = tokens.refreshToken;
  if (tokens.accessToken !== undefined) plain.accessToken = tokens.accessToken;
  const sealed = await seal(JSON.stringify(plain), key, jobId);
  const fp = await fingerprintsOf(plain);
  const payload: PendingPayload = { v: 1, ...sealed, fp, exp, at: Date.now() };
  if (ref !== undefined) payload.ref = ref;
  return payload;
}

/**
 * Decrypts a pending job's tokens (synchronously); throws when it cannot. `tokens` holds those
 * `signOut` accepts, `refused` names the others: sealed by an earlier release whose checks were looser
 * (a copy with whitespace at either end or an invisible character) or that checked one read of a
 * getter and sealed another. No run could send a refused token, but its sibling is still sent.
 * Resolves `undefined` when no token can be sent, so that the job ends dead instead of throwing on
 * every run until it expires.
 */
export function openTokens(
  job: PendingJob,
  keys: readonly OutboxKey[],
  jobId: string,
): { tokens: SignOutTokens; refused: (keyof SignOutTokens)[] } | undefined {
  const parsed: unknown = JSON.parse(open(job.sealed, keys, jobId));
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const tokens: SignOutTokens = {};
  const refused: (keyof SignOutTokens)[] = [];
  for (const key of ['refreshToken', 'accessToken'] as const) {
    const token = (parsed as SignOutTokens)[key];
    if (token === undefined) continue;
    try {
      tokens[key] = readSignOutTokens({ [key]: token })[key];
    } catch {
      refused.push(key);
    }
  }
  return tokens.refreshToken === undefined && tokens.accessToken === undefined
    ? undefined
    : { tokens, refused };
}

/** The payload that replaces a job's data when it ends: no ciphertext, only what may be kept. */
export function finishedPayload(job: PendingJob | EndedJob, outcome: FinalOutcome): FinishedPayload {
  const finished: FinishedPayload = { v: 1, fp: job.fingerprints, exp: job.expiresAtMs, outcome };
  if (job.ref !== undefined) finished.ref = job.ref;
  return finished;
}

async function fingerprintsOf(tokens: SignOutTokens): Promise<JobFingerprints> {
  const fp: JobFingerprints = {};
  if (tokens.refreshToken !== undefined) fp.refreshToken = await tokenFingerprint(tokens.refreshToken);
  if (tokens.accessToken !== undefined) fp.accessToken = await tokenFingerprint(tokens.accessToken);
  return fp;
}
