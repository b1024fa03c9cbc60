import { createRedactor, echoForms } from '../redact';

/**
 * The most secrets in one regular expression: tens of thousands of tokens given as arguments make a
 * pattern V8 cannot compile ("Regular expression too large"), and one much slower to compile than its
 * parts.
 */
const SECRETS_PER_PATTERN = 512;

/** What a text that may hold a secret {@link anywhereRedactor} cannot look for shows instead. */
export const WITHHELD =
  '[REDACTED: message withheld, as it may hold a secret too long and unusual to look for in every encoding]';

/**
 * The core's {@link createRedactor} (each secret in each of its echo forms, anywhere), fail-safe and
 * informative whatever the secrets: the core's own fail-safe turns every text into `[REDACTED]` when
 * its one pattern cannot compile, which blanked every line of a run with one such secret among its
 * arguments. So the secrets go in patterns of at most {@link SECRETS_PER_PATTERN}, the longest first
 * (so that a secret containing another is replaced whole); a pattern that does not compile is split
 * until it does. A secret that cannot be matched even alone (a pasted line of thousands of punctuation
 * or non-ASCII characters: "Stack overflow") is kept out of sight by length: no echo of it is shorter
 * than its shortest echo form, so a text at least that long is replaced by {@link WITHHELD}, and a
 * shorter one is shown, redacted of the other secrets.
 */
export function anywhereRedactor(secrets: readonly string[]): (text: string) => string {
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  const redactors: Array<(text: string) => string> = [];
  let withheldFrom = Number.POSITIVE_INFINITY;
  const add = (group: string[]) => {
    const redact = createRedactor(group);
    if (compiles(redact)) redactors.push(redact);
    else if (group.length > 1) {
      const half = Math.ceil(group.length / 2);
      add(group.slice(0, half));
      add(group.slice(half));
    } else {
      const shortest = Math.min(...echoForms(group[0] as string).map((form) => form.length));
      withheldFrom = Math.min(withheldFrom, shortest);
    }
  };
  for (let i = 0; i < ordered.length; i += SECRETS_PER_PATTERN)
    add(ordered.slice(i, i + SECRETS_PER_PATTERN));
  return (text) => {
    if (text.length >= withheldFrom) return text.endsWith('\n') ? `${WITHHELD}\n` : WITHHELD;
    let result = text;
    for (const redact of redactors) result = redact(result);
    return result;
  };
}

/**
 * Whether a redactor's pattern compiled: on texts too short to hold any echo form (none of a secret
 * redacted anywhere is shorter than 8), each as one-byte and as two-byte text (V8 compiles a pattern
 * for each on first use), the core's redactor gives `[REDACTED]` only when its pattern failed.
 */
function compiles(redact: (text: string) => string): boolean {
  return ['', '\u0100'].every((probe) => redact(probe) === probe);
}
