import { CommanderError } from 'commander';
import { EXIT, UsageError } from './exit-codes';
import type { CliIo } from './io';
import { createProgram, HELP_HINT } from './program';

/**
 * Runs `digilocker-revoke` with `argv` (without node and the script) and returns the exit code:
 * commander's parsing errors and every UsageError become 2, with a one-line message and the help hint.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    // Commander has printed its message (and the hint) already; help and version end with 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n${HELP_HINT}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
