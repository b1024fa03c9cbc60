import { REDACTED } from '../redact';
import { digestOf } from './token-digest';

/** A word of the characters tokens are made of (hex, base64, base64url, a JWT's dots), 8 or more. */
const TOKEN_WORD = /[A-Za-z0-9._~+/=-]{8,}/g;
/** Punctuation at either end of a word that may or may not be the token's: `token YWJj==.` */
const EDGES = /^([._~+/=-]{0,3}).*?([._~+/=-]{0,3})$/;

/**
 * Replaces each word of `text` that is a token `wasSent` knows by its key (`token-digest.ts`), as
 * written or in lower case, less up to 3 characters of punctuation at either end: the other tokens of
 * the run, which the redactor of one token's message does not hold, echoed in a response mixed up
 * with another request's (by a proxy, a cache or the server). Only whole words as sent: the run keeps
 * no token, only digests.
 */
export function redactSentTokens(text: string, wasSent: (key: string) => boolean): string {
  return text.replace(TOKEN_WORD, (word) => {
    const [, lead = '', trail = ''] = EDGES.exec(word) ?? [];
    for (let start = 0; start <= lead.length; start++) {
      for (let end = word.length; end >= word.length - trail.length; end--) {
        const core = word.slice(start, end);
        const lower = core.toLowerCase();
        if (wasSent(digestOf(core).key) || (lower !== core && wasSent(digestOf(lower).key)))
          return `${word.slice(0, start)}${REDACTED}${word.slice(end)}`;
      }
    }
    return word;
  });
}
