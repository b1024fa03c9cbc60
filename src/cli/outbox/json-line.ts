import type { CliIo } from '../io';
import { Output } from '../output';

/**
 * Writes one JSON line to standard output; resolves false when it could not (the reason said on
 * stderr: the reader went away, a full disk), so that the command exits 1 as `revoke` does. Never a
 * crash.
 */
export async function jsonLine(io: CliIo, text: string): Promise<boolean> {
  const output = new Output(io.stdout, (reason) => io.stderr.write(`digilocker-revoke: ${reason}\n`));
  return output.end(`${text}\n`);
}
