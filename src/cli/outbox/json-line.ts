import type { CliIo } from '../io';
import { Output } from '../output';

/** Writes one JSON line to standard output; a failed write is reported on stderr, never a crash. */
export async function jsonLine(io: CliIo, text: string): Promise<void> {
  const output = new Output(io.stdout, (reason) => io.stderr.write(`digilocker-revoke: ${reason}\n`));
  await output.writeLine(text);
}
