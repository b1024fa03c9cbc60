import { sha256HexNow } from './sha256';

/** The SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex characters. */
export async function sha256Hex(text: string): Promise<string> {
  return sha256HexNow(text);
}

/** {@link tokenFingerprint}, computed at once. */
export function fingerprintNow(token: string): string {
  return sha256HexNow(token).slice(0, 12);
}

/**
 * A token's fingerprint: the first 12 hex characters of its SHA-256. Safe to log, and enough to
 * correlate the events and outcomes of one token; not unique across millions of tokens (use
 * {@link sha256Hex} for that).
 */
export async function tokenFingerprint(token: string): Promise<string> {
  return fingerprintNow(token);
}
