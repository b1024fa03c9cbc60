/** A line of input: its text (without the line break) or, past the longest line kept, its size only. */
export type InputLine =
  | { number: number; text: string; complete: boolean }
  | { number: number; tooLong: true; bytes: number };

/** A line longer than the reader will skip over: the input is not lines of text (e.g. /dev/zero). */
export class EndlessLineError extends Error {
  override name = 'EndlessLineError';
  constructor(
    readonly lineNumber: number,
    readonly limit: number,
  ) {
    super(`line ${lineNumber} is longer than ${limit} bytes without a line break: not a file of tokens`);
  }
}

/** The bounds of {@link readLines}. */
export interface LineBounds {
  /** Lines up to this many bytes are decoded; longer ones are reported by size only. */
  maxLineBytes: number;
  /** A line longer than this ends the reading with an {@link EndlessLineError}. */
  maxSkipBytes: number;
}

/**
 * Splits a byte stream into lines (LF; a CR before it stays in the text), decoded as UTF-8, in bounded
 * memory: a line longer than `maxLineBytes` is never held, only counted, so that no input (one huge
 * line, a device that never ends a line) can exhaust memory. The last line is `complete: false` when
 * the input does not end with a line break.
 */
export async function* readLines(
  chunks: AsyncIterable<Buffer>,
  bounds: LineBounds,
): AsyncGenerator<InputLine> {
  let parts: Buffer[] = [];
  let held = 0;
  let skipped = 0; // bytes of a line too long to hold
  let number = 0;
  const finish = (complete: boolean): InputLine => {
    number++;
    const line: InputLine =
      skipped > 0
        ? { number, tooLong: true, bytes: skipped }
        : { number, text: decode(parts, held), complete };
    parts = [];
    held = 0;
    skipped = 0;
    return line;
  };
  const take = (chunk: Buffer) => {
    if (skipped > 0 || held + chunk.length > bounds.maxLineBytes) {
      skipped += held + chunk.length;
      parts = [];
      held = 0;
      if (skipped > bounds.maxSkipBytes) throw new EndlessLineError(number + 1, bounds.maxSkipBytes);
    } else if (chunk.length > 0) {
      parts.push(chunk);
      held += chunk.length;
    }
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      take(chunk.subarray(start, end));
      yield finish(true);
      start = end + 1;
    }
    take(chunk.subarray(start));
  }
  if (held > 0 || skipped > 0) yield finish(false);
}

function decode(parts: Buffer[], length: number): string {
  // Most lines lie within one chunk: no copy then.
  if (parts.length === 1) return (parts[0] as Buffer).toString('utf8');
  return Buffer.concat(parts, length).toString('utf8');
}
