import { sha256 } from '@noble/hashes/sha2.js';

/**
 * The SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex characters. By @noble/hashes (audited,
 * bundled into the build), synchronously: Web Crypto's `digest` runs a job per call, whose overhead
 * outweighed the rest of `revokeMany`'s own work per token. The exported functions are async, so that
 * a platform digest can come back without changing their callers; the package's own code calls
 * a synchronous twin of {@link tokenFingerprint}, which spares a promise per token.
 */
export async function sha256Hex(text: string): Promise<string> {
  return bytesToHex(digestOf(text));
}

/**
 * A token's fingerprint: the first 12 hex characters of its SHA-256. Safe to log, and enough to
 * correlate the events and outcomes of one token; not unique across millions of tokens (use
 * {@link sha256Hex} for that).
 */
export async function tokenFingerprint(token: string): Promise<string> {
  return fingerprintOf(token);
}

/** {@link tokenFingerprint}, synchronously (internal: `revokeMany` and events compute one per token). */
export function fingerprintOf(token: string): string {
  return bytesToHex(digestOf(token).subarray(0, 6));
}

function digestOf(text: string): Uint8Array {
  return sha256(new TextEncoder().encode(text));
}

/** Bytes as lowercase hex, two characters each (also the hex echo form of a secret, in `redact.ts`). */
export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
