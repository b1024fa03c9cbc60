import { createRedactor, echoForms, REDACTED } from '../redact';

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

/**
 * The shortest run of a secret's characters redacted on its own: a server that cuts an echo short
 * (`token a3f9c2e71b4d8065f2a9c3e7...`) or wraps it across lines (a line break in text from the server
 * is shown as U+FFFD) shows runs of it, never the whole, which the echo forms miss. A shorter run is
 * too often ordinary text (`DigiLocker` is 10) and too little of a secret to matter.
 */
const MIN_FRAGMENT = 12;

/**
 * A redactor of every run of {@link MIN_FRAGMENT} characters or more (as written, in any case) that a
 * text shares with one of the secrets: each maximal such run becomes one `[REDACTED]`. Found by
 * comparing each position of the text with each position of each secret (the CLI's texts and secrets
 * are short: a message of a few hundred characters, a secret of tens).
 */
export function fragmentsRedactor(secrets: readonly string[]): (text: string) => string {
  const folded = secrets.filter((secret) => secret.length >= MIN_FRAGMENT).map(foldCase);
  if (folded.length === 0) return (text) => text;
  return (text) => {
    if (text.length < MIN_FRAGMENT) return text;
    const units = foldCase(text);
    const covered = new Uint8Array(text.length);
    for (const secret of folded) coverSharedRuns(units, secret, covered);
    if (!covered.includes(1)) return text;
    let shown = '';
    for (let at = 0; at < text.length; at++) {
      if (!covered[at]) shown += text.charAt(at);
      else if (!covered[at - 1]) shown += REDACTED; // the first unit of a run
    }
    return shown;
  };
}

/** Marks in `covered` each position of `text` in a run of {@link MIN_FRAGMENT} or more it shares with `secret`. */
function coverSharedRuns(text: string, secret: string, covered: Uint8Array): void {
  // runs[j + 1]: the length of the run shared by the text up to this position and the secret up to j.
  let previous = new Uint32Array(secret.length + 1);
  let runs = new Uint32Array(secret.length + 1);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    let longest = 0;
    for (let j = 0; j < secret.length; j++) {
      const run = unit === secret.charCodeAt(j) ? (previous[j] as number) + 1 : 0;
      runs[j + 1] = run;
      if (run > longest) longest = run;
    }
    if (longest >= MIN_FRAGMENT) covered.fill(1, i - longest + 1, i + 1);
    [previous, runs] = [runs, previous];
  }
}

/**
 * `text` in lower case, unit for unit: where lowering makes one unit two (`İ`), only the first is kept,
 * so that positions stay put.
 */
function foldCase(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  return Array.from({ length: text.length }, (_, at) => text.charAt(at).toLowerCase().charAt(0)).join('');
}
