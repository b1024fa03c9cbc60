import { hash } from 'node:crypto';

/** How the CLI knows a token, in its journal and in memory: by its SHA-256, never by the token. */
export interface TokenDigest {
  /** The SHA-256 in 64 hex digits: what the journal records. */
  hex: string;
  /** The key of the token in memory: see {@link keyOfHex}. */
  key: string;
}

/** Bytes of the SHA-256 that key a token in memory. */
const KEY_BYTES = 16;

/** The digest of a token (node:crypto's one-shot native SHA-256: a rerun may skip a million tokens). */
export function digestOf(token: string): TokenDigest {
  const digest = hash('sha256', token, 'buffer');
  return { hex: digest.toString('hex'), key: digest.toString('latin1', 0, KEY_BYTES) };
}

/** The key of a token in memory alone ({@link digestOf}'s `key`): for a word looked up, not recorded. */
export function keyOf(token: string): string {
  return hash('sha256', token, 'buffer').toString('latin1', 0, KEY_BYTES);
}

/**
 * The key of a token in memory, from its SHA-256 in hex: the first 128 bits as a string of 16 one-byte
 * characters. A Map of a million such keys stays within tens of megabytes, where the hex digits (or a
 * slice of them, which keeps the whole string alive) take more than twice as much; a collision among
 * them is practically impossible.
 */
export function keyOfHex(hex: string): string {
  return Buffer.from(hex.slice(0, KEY_BYTES * 2), 'hex').toString('latin1');
}
