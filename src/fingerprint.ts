const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const encoder = new TextEncoder();

/** The SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex characters (Web Crypto). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let hex = '';
  for (const byte of digest) hex += HEX[byte];
  return hex;
}

/**
 * A token's fingerprint: the first 12 hex characters of its SHA-256. Safe to log, and enough to
 * correlate the events and outcomes of one token; not unique across millions of tokens (use
 * {@link sha256Hex} for that).
 */
export async function tokenFingerprint(token: string): Promise<string> {
  return (await sha256Hex(token)).slice(0, 12);
}
