import { sha256 } from '@noble/hashes/sha2.js';

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const encoder = new TextEncoder();

/**
 * The SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex characters, computed at once. It uses
 * @noble/hashes rather than Web Crypto: for inputs as short as tokens, `crypto.subtle.digest` costs
 * several times more CPU per call (about 21 µs against 3 µs on Node 20), which a batch pays per token.
 */
function sha256HexNow(text: string): string {
  let hex = '';
  for (const byte of sha256(encoder.encode(text))) hex += HEX[byte];
  return hex;
}

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
