import { sha256 } from '@noble/hashes/sha2.js';

/**
 * The SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex characters. By @noble/hashes (audited,
 * bundled into the build), synchronously: Web Crypto's `digest` runs a job per call, whose overhead
 * outweighed the rest of `revokeMany`'s own work per token. Async, so that a platform digest can come
 * back without changing callers.
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = sha256(new TextEncoder().encode(text));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * A token's fingerprint: the first 12 hex characters of its SHA-256. Safe to log, and enough to
 * correlate the events and outcomes of one token; not unique across millions of tokens (use
 * {@link sha256Hex} for that).
 */
export async function tokenFingerprint(token: string): Promise<string> {
  return (await sha256Hex(token)).slice(0, 12);
}
