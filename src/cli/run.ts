import { CommanderError } from 'commander';
import { createRedactor } from '../redact';
import { EXIT, UsageError } from './exit-codes';
import type { CliIo } from './io';
import { createProgram, HELP_HINT } from './program';

/**
 * Below this length, an argument is taken for a word of the command line (a command, a number, a
 * choice), not for a token or secret typed in the wrong place.
 */
const MIN_SECRET_LIKE_LENGTH = 12;

/**
 * Runs `digilocker-revoke` with `argv` (without node and the script) and returns the exit code:
 * commander's parsing errors and every UsageError become 2, with a one-line message and the help hint.
 * A parsing error quotes the argument it refused, which may be a token or a secret typed in the wrong
 * place: the credentials from the environment and every long argument are redacted from it.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  // Built on the first error only: tokens given as arguments may be many.
  let redactor: ((text: string) => string) | undefined;
  const redact = (text: string) => {
    redactor ??= secretLikeRedactor(argv, io.env);
    return redactor(text);
  };
  const program = createProgram(
    io,
    (code) => {
      exitCode = code;
    },
    redact,
  );

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

/** Redacts the credentials from the environment and every long argument (or long option value). */
function secretLikeRedactor(argv: string[], env: NodeJS.ProcessEnv): (text: string) => string {
  return createRedactor([
    env.DIGILOCKER_CLIENT_SECRET,
    env.DIGILOCKER_ACCESS_TOKEN,
    ...argv
      .map((argument) => (argument.startsWith('-') ? argument.split('=').slice(1).join('=') : argument))
      .filter((value) => value.length >= MIN_SECRET_LIKE_LENGTH),
  ]);
}
