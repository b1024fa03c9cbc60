/** A line of input: its text (without the line break) or, past the longest line kept, its size only. */
export type InputLine =
  | { number: number; text: string; complete: boolean }
  | { number: number; tooLong: true; bytes: number };

/** A NUL byte in input that must be text: it is binary (e.g. /dev/zero, which never ends a line). */
export class NotTextError extends Error {
  override name = 'NotTextError';
  constructor(readonly lineNumber: number) {
    super(`line ${lineNumber} holds a NUL byte: not a text file of tokens`);
  }
}

/** How {@link readLines} reads. */
export interface LineBounds {
  /** Lines up to this many bytes are decoded; longer ones are reported by size only. */
  maxLineBytes: number;
  /** When true, a NUL byte ends the reading with a {@link NotTextError}. */
  textOnly: boolean;
}

/**
 * Splits a byte stream into lines (LF; a CR before it stays in the text), decoded as UTF-8, in bounded
 * memory: a line longer than `maxLineBytes` is never held, only counted, so that no input (one huge
 * line) can exhaust memory. The last line is `complete: false` when the input does not end with a
 * line break.
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
    } else if (chunk.length > 0) {
      parts.push(chunk);
      held += chunk.length;
    }
  };
  for await (const read of chunks) {
    // Text never holds NUL; a device such as /dev/zero would otherwise be one endless line. The lines
    // before it still count.
    const nul = bounds.textOnly ? read.indexOf(0) : -1;
    const chunk = nul === -1 ? read : read.subarray(0, nul);
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      take(chunk.subarray(start, end));
      yield finish(true);
      start = end + 1;
    }
    take(chunk.subarray(start));
    if (nul !== -1) throw new NotTextError(number + 1);
  }
  if (held > 0 || skipped > 0) yield finish(false);
}

function decode(parts: Buffer[], length: number): string {
  // Most lines lie within one chunk: no copy then.
  if (parts.length === 1) return (parts[0] as Buffer).toString('utf8');
  return Buffer.concat(parts, length).toString('utf8');
}
