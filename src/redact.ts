import { bytesToHex } from './fingerprint';

/** What stands in for a secret wherever text might have carried one. */
export const REDACTED = '[REDACTED]';

/**
 * The shortest partial base64 form (see {@link echoForms}) that is redacted: a shorter run of base64
 * characters could match ordinary text.
 */
export const MIN_PARTIAL_BASE64 = 16;

/**
 * Returns a function that replaces every occurrence of the given secrets in a text, in each of their
 * {@link echoForms} as {@link patternOf} matches them, the longest forms first (so that a secret
 * containing another is replaced whole). Absent and empty secrets are ignored. Used on text from the
 * server before it is stored in an error, and on everything the CLI prints. Never throws: where the
 * forms of a secret are too many for one regular expression, every text becomes {@link REDACTED}.
 */
export function createRedactor(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret) for (const form of echoForms(secret)) forms.add(form);
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  let pattern: RegExp;
  try {
    // Without any form, a pattern that never matches: an empty one would match everywhere.
    pattern = new RegExp(ordered.map(patternOf).join('|') || '(?!)', 'gi');
  } catch {
    // A long secret of punctuation or non-ASCII characters (a pasted line of text, not a token) makes
    // a pattern the engine cannot compile ("Stack overflow"): then no text is shown at all.
    return () => REDACTED;
  }
  return (text) => {
    try {
      return text.replace(pattern, REDACTED);
    } catch {
      return REDACTED; // the same limit, met when the engine compiles the pattern on first use
    }
  };
}

/**
 * Every form in which a server could echo `secret` back, each once (none for an empty secret), before
 * the escapes {@link patternOf} adds to each:
 * - as given;
 * - percent-encoded as `encodeURIComponent` does, form-encoded as `URLSearchParams` does (space as
 *   `+`, `~` encoded), and strictly percent-encoded as PHP's `rawurlencode` and `urlencode` do (all but
 *   `A-Z a-z 0-9 - . _ ~` encoded; the same with `~` encoded too; space as `%20` or `+`);
 * - for the UTF-8 bytes of the secret as given, percent-encoded and form-encoded (as it is in a request
 *   body): hex; base64 and base64url, padded and unpadded; and the part of the base64 (and base64url)
 *   of a longer text containing those bytes at any offset that the bytes alone determine (for an offset
 *   of 0, 1 or 2 modulo 3), when it has at least {@link MIN_PARTIAL_BASE64} characters.
 */
export function echoForms(secret: string): string[] {
  if (secret === '') return [];
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams([['', secret]]).toString().slice(1);
  const forms = [secret, percent, form, ...strictPercentForms(percent)];
  for (const text of new Set([secret, percent, form])) forms.push(...byteForms(text));
  return [...new Set(forms)];
}

/**
 * The pattern of one echo form. It matches the form in any case (the case of hex digits means nothing,
 * a DigiLocker token is 40 lower-case hex digits, and a secret that differs only in case is still too
 * close to it to show), and what other encoders make of it: its percent escapes percent-encoded once
 * more (`%252F`); each character other than a letter, digit or `_` behind a backslash (JSON's `\"` and
 * `\\`, PHP's `\/`, `addslashes`), as a JSON `\uXXXX` escape (PHP, .NET) and, for `& " ' < >`, as an
 * HTML character reference (`&amp;`, `&quot;`, `&#039;`, `&#39;`, `&#x27;`, `&apos;`, `&lt;`, `&gt;`).
 */
function patternOf(form: string): string {
  return form.replace(/\W/g, (unit) => {
    if (unit === '%') return '%(?:25)?';
    const code = unit.charCodeAt(0);
    const hex = code.toString(16);
    const name = HTML_NAMES[unit];
    const reference = name ? `|&(?:${name}|#0*${code}|#x0*${hex});` : '';
    // A backslash before a character that is not a letter or digit stands for the character itself.
    return `(?:\\\\?\\${unit}|\\\\u${hex.padStart(4, '0')}${reference})`;
  });
}

const HTML_NAMES: Record<string, string | undefined> = {
  '&': 'amp',
  '"': 'quot',
  "'": 'apos',
  '<': 'lt',
  '>': 'gt',
};

/** `encodeURIComponent`'s output with `!'()*` encoded too, and also `~`; each with space as `+`. */
function strictPercentForms(percent: string): string[] {
  const keepingTilde = percent.replace(/[!'()*]/g, percentEscape);
  const encodingTilde = keepingTilde.replace(/~/g, percentEscape);
  return [keepingTilde, encodingTilde].flatMap((strict) => [strict, strict.replace(/%20/g, '+')]);
}

/** Hex, base64, base64url and the partial base64 forms of the UTF-8 bytes of `text`. */
function byteForms(text: string): string[] {
  const bytes = new TextEncoder().encode(text);
  const hex = bytesToHex(bytes);
  const padded = base64(bytes, 0);
  const base64s = [padded, padded.replace(/=+$/, '')];
  // Behind 0, 1 or 2 other bytes, the first 0, 2 or 3 characters mix in their bits; only complete
  // groups of 4 characters are determined by the bytes alone at the end.
  for (const offset of [0, 1, 2]) {
    const partial = base64(bytes, offset).slice(
      [0, 2, 3][offset],
      Math.floor((offset + bytes.length) / 3) * 4,
    );
    if (partial.length >= MIN_PARTIAL_BASE64) base64s.push(partial);
  }
  return [hex, ...base64s, ...base64s.map(toBase64url)];
}

/** Standard padded base64 of `bytes` behind `offset` zero bytes. */
function base64(bytes: Uint8Array, offset: number): string {
  let binary = '\0'.repeat(offset);
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function toBase64url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_');
}

function percentEscape(character: string): string {
  return `%${character.charCodeAt(0).toString(16)}`;
}
