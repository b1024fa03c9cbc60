import type { CliIo } from '../io';
import { Output } from '../output';

/**
 * Writes a command's result (its summary, its `--json` line) to standard output; resolves false when it
 * could not (the reason said on stderr: the reader went away, a full disk), so that the command exits 1
 * as `revoke` does: a result that no one received is not a success. Never a crash.
 */
export async function printResult(io: CliIo, text: string): Promise<boolean> {
  const output = new Output(io.stdout, (reason) => io.stderr.write(`digilocker-revoke: ${reason}\n`));
  return output.end(text);
}

/** {@link printResult} of one JSON line. */
export function printJson(io: CliIo, value: unknown): Promise<boolean> {
  return printResult(io, `${JSON.stringify(value)}\n`);
}
