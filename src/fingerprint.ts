/**
 * The SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex characters, by the platform's Web Crypto
 * (`crypto.subtle`, in Node, Deno, Bun, browsers and edge runtimes alike).
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * A token's fingerprint: the first 12 hex characters of its SHA-256. Safe to log, and enough to
 * correlate the events and outcomes of one token; not unique across millions of tokens (use
 * {@link sha256Hex} for that).
 */
export async function tokenFingerprint(token: string): Promise<string> {
  return (await sha256Hex(token)).slice(0, 12);
}
