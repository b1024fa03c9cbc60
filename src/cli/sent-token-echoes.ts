import { LIMITS } from '../defaults';
import { REDACTED } from '../redact';
import { keyOf } from './token-digest';

type WasSent = (key: string) => boolean;

/** A word of the characters tokens are made of (hex, base64, base64url, a JWT's dots), 8 or more. */
const TOKEN_WORD = /[A-Za-z0-9._~+/=-]{8,}/g;
/** A character of a {@link TOKEN_WORD}. */
const TOKEN_CHARACTER = /[A-Za-z0-9._~+/=-]/;
/** Punctuation at either end of a word that may or may not be the token's: `token YWJj==.` */
const EDGES = /^([._~+/=-]{0,3}).*?([._~+/=-]{0,3})$/;

/**
 * Replaces each word of `text` that is a token `wasSent` knows by its key (`token-digest.ts`), as
 * written or in lower case, less up to 3 characters of punctuation at either end, then each word that
 * encodes one ({@link redactEncodedSentTokens}): the other tokens of the run, which the redactor of one
 * token's message does not hold, echoed in a response mixed up with another request's (by a proxy, a
 * cache or the server). The run keeps no token, only digests: where the redactor of a token it holds
 * looks for the token's encoded forms, here each word is decoded and its digest looked up.
 */
export function redactSentTokens(text: string, wasSent: WasSent): string {
  const redacted = text.replace(TOKEN_WORD, (word) => {
    const core = sentCoreOf(word, wasSent);
    return core ? `${word.slice(0, core.start)}${REDACTED}${word.slice(core.end)}` : word;
  });
  return redactEncodedSentTokens(redacted, wasSent);
}

/** Where in `word` a token `wasSent` knows stands, less up to 3 characters of punctuation at either end. */
function sentCoreOf(word: string, wasSent: WasSent): { start: number; end: number } | undefined {
  const [, lead = '', trail = ''] = EDGES.exec(word) ?? [];
  for (let start = 0; start <= lead.length; start++) {
    for (let end = word.length; end >= word.length - trail.length; end--) {
      if (isSent(word.slice(start, end), wasSent)) return { start, end };
    }
  }
  return undefined;
}

/** Whether `text`, as written or in lower case, is a token `wasSent` knows. */
function isSent(text: string, wasSent: WasSent): boolean {
  const lower = text.toLowerCase();
  return wasSent(keyOf(text)) || (lower !== text && wasSent(keyOf(lower)));
}

/**
 * A word that may encode a token: hex; base64 or base64url, `=` only as its padding (so that
 * `token=YWJj` gives `YWJj`); percent- or form-encoded; behind JSON's or PHP's backslash escapes
 * (`\/`, `\u002F`). A percent-encoded token with `.`, `~` or `!*'()` in it is cut at them, and missed.
 */
const ENCODED_WORD = /[A-Za-z0-9+/_%\\-]{8,}={0,2}/g;
/**
 * The longest word decoded: percent-encoding, the longest form, takes 9 characters for a character
 * of a token (3 UTF-8 bytes at most per UTF-16 unit, 3 characters per byte). The core keeps far fewer
 * of a server's words (`LIMITS.maxOAuthErrorDescriptionLength`), so this bounds other texts only.
 */
const MAX_ENCODED_WORD = 9 * LIMITS.maxTokenLength;

/**
 * Replaces each word of `text` ({@link ENCODED_WORD}) that is or decodes to a token `wasSent` knows, or to a
 * text with one as a word in it (`client:token`, `token=...&token_type_hint=...`: a request's Basic
 * header or body echoed), in up to two steps of {@link decodingsOf} (base64 of a form body, a token
 * percent-encoded twice). A word that decodes to nothing (a malformed escape, not base64) is left as is.
 */
function redactEncodedSentTokens(text: string, wasSent: WasSent): string {
  return text.replace(ENCODED_WORD, (word, at: number) => {
    if (word.length > MAX_ENCODED_WORD) return word;
    // The word itself too where {@link TOKEN_WORD} took it with more (`token=<token>`, no token);
    // one that stands alone was looked up as it.
    const alone =
      !TOKEN_CHARACTER.test(text.charAt(at - 1)) && !TOKEN_CHARACTER.test(text.charAt(at + word.length));
    if (!alone && isSent(word, wasSent)) return REDACTED;
    const once = decodingsOf(word);
    const decoded = new Set([...once, ...once.flatMap(decodingsOf)]);
    for (const candidate of decoded) if (holdsSentToken(candidate, wasSent)) return REDACTED;
    return word;
  });
}

/** Whether `text` is a token `wasSent` knows, or has one as a word in it (as {@link redactSentTokens} finds words). */
function holdsSentToken(text: string, wasSent: WasSent): boolean {
  const words = Array.from(text.matchAll(DECODED_WORD), ([word]) => word);
  // A text that is one word is looked up as one, edge punctuation aside.
  if (words[0] !== text && isSent(text, wasSent)) return true;
  return words.some((word) => sentCoreOf(word, wasSent) !== undefined);
}

/** A word of a decoded text: {@link TOKEN_WORD}, `=` only at its end, so that `token=abc` gives `abc`. */
const DECODED_WORD = /[A-Za-z0-9._~+/-]{8,}={0,2}/g;

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;
/** Standard or URL-safe base64 (Node's decoder takes either), padded or not. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
/** JSON's `\uXXXX` and `\/`, and any character behind a backslash (PHP's `addslashes`). */
const BACKSLASH_ESCAPE = /\\(?:u([0-9A-Fa-f]{4})|(.))/g;

/** What `text` decodes to in each encoding whose shape it has: none for a text that is none of them. */
function decodingsOf(text: string): string[] {
  const decoded: Array<string | undefined> = [];
  if (text.includes('\\')) decoded.push(text.replace(BACKSLASH_ESCAPE, unescaped));
  if (PERCENT_ESCAPE.test(text)) decoded.push(percentDecoded(text));
  if (text.includes('+')) decoded.push(percentDecoded(text.replace(/\+/g, ' '))); // form-encoded
  if (HEX.test(text)) decoded.push(utf8Text(Buffer.from(text, 'hex')));
  // 4n + 1 characters are no base64: the last one holds too few bits for a byte.
  if (BASE64.test(text) && text.replace(/=+$/, '').length % 4 !== 1)
    decoded.push(utf8Text(Buffer.from(text, 'base64')));
  return decoded.filter((candidate): candidate is string => candidate !== undefined && candidate !== text);
}

/** The character a {@link BACKSLASH_ESCAPE} stands for. */
function unescaped(_escape: string, hex: string | undefined, character: string | undefined): string {
  return character ?? String.fromCharCode(Number.parseInt(hex ?? '', 16));
}

/** `text` percent-decoded, or undefined when an escape in it is malformed (`%zz`, a cut UTF-8 sequence `%E0%A4`). */
function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The text of UTF-8 `bytes`, or undefined when they are not UTF-8 (what decoding a word of ordinary
 * text as hex or base64 mostly gives): a token has no U+FFFD (the CLI refuses a line with one).
 */
function utf8Text(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  return text.includes('\ufffd') ? undefined : text;
}
