import { tokenFingerprint } from '../index';
import type { SignOutTokens } from '../results';
import { type OutboxKey, open, type Sealed, seal } from './crypto';
import type { JobFingerprints } from './events';

/** How a job ended. */
export type FinalOutcome = 'revoked' | 'already_invalid' | 'expired';

/**
 * A job's `data` in pg-boss while it is pending: the sealed tokens, their fingerprints, the expiry
 * (epoch ms), the caller's reference and the attempts charged so far. Nothing else.
 */
export interface PendingPayload extends Sealed {
  v: 1;
  fp: JobFingerprints;
  exp: number;
  ref?: string;
  /** Attempts charged. */
  n: number;
  /** Runs given back without charge (refused credentials). */
  r?: number;
  /** True once an attempt revoked one of the tokens (the others failed). */
  rv?: boolean;
}

/** A job's `data` once it ended: the ciphertext is gone, the outcome is written. */
export interface FinishedPayload {
  v: 1;
  fp: JobFingerprints;
  exp: number;
  ref?: string;
  n: number;
  outcome: FinalOutcome;
}

/** Encrypts the tokens of a sign-out for job `jobId`. */
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
  const payload: PendingPayload = { v: 1, ...sealed, fp: await fingerprintsOf(plain), exp, n: 0 };
  if (ref !== undefined) payload.ref = ref;
  return payload;
}

/** Decrypts a pending job's tokens (synchronously); throws when it cannot. */
export function openTokens(
  payload: PendingPayload,
  keys: readonly OutboxKey[],
  jobId: string,
): SignOutTokens {
  const parsed = JSON.parse(open(payload, keys, jobId)) as SignOutTokens;
  const tokens: SignOutTokens = {};
  if (typeof parsed.refreshToken === 'string') tokens.refreshToken = parsed.refreshToken;
  if (typeof parsed.accessToken === 'string') tokens.accessToken = parsed.accessToken;
  return tokens;
}

/** The payload that replaces a job's data when it ends: no ciphertext, only what may be kept. */
export function finishedPayload(
  payload: PendingPayload | FinishedPayload,
  outcome: FinalOutcome,
): FinishedPayload {
  const finished: FinishedPayload = { v: 1, fp: payload.fp, exp: payload.exp, n: payload.n, outcome };
  if (payload.ref !== undefined) finished.ref = payload.ref;
  return finished;
}

/** True when a job's data still holds sealed tokens. */
export function isPending(data: unknown): data is PendingPayload {
  const value = data as Partial<PendingPayload> | null;
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.ct === 'string' &&
    typeof value.iv === 'string' &&
    typeof value.k === 'string' &&
    typeof value.exp === 'number'
  );
}

/** True when a job's data says it already ended (its process stopped before pg-boss was told). */
export function isFinished(data: unknown): data is FinishedPayload {
  return data !== null && typeof data === 'object' && typeof (data as FinishedPayload).outcome === 'string';
}

async function fingerprintsOf(tokens: SignOutTokens): Promise<JobFingerprints> {
  const fp: JobFingerprints = {};
  if (tokens.refreshToken !== undefined) fp.refreshToken = await tokenFingerprint(tokens.refreshToken);
  if (tokens.accessToken !== undefined) fp.accessToken = await tokenFingerprint(tokens.accessToken);
  return fp;
}
