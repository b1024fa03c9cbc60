import { type Command, CommanderError } from 'commander';
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
    redactor ??= secretLikeRedactor(argv, io.env, optionNames(program));
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
      io.stderr.write(`error: ${redact(error.message)}\n${HELP_HINT}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

/** An argument that has the shape of an option name (`--file`, `-h`), known or not. */
const OPTION_SHAPE = /^--?[a-z][a-z0-9-]*$/;

/**
 * Redacts the credentials from the environment and every long argument that is not an option name:
 * an option's value (`--hint=…` included), a token given as an argument, and a token that starts with
 * `-` (commander calls it an unknown option, quoting it).
 */
function secretLikeRedactor(
  argv: string[],
  env: NodeJS.ProcessEnv,
  options: ReadonlySet<string>,
): (text: string) => string {
  const values = argv.flatMap((argument) => {
    if (!argument.startsWith('-')) return [argument];
    const [name = '', ...value] = argument.split('=');
    if (options.has(name)) return value.length > 0 ? [value.join('=')] : [];
    return OPTION_SHAPE.test(argument) ? [] : [argument];
  });
  return createRedactor([
    env.DIGILOCKER_CLIENT_SECRET,
    env.DIGILOCKER_ACCESS_TOKEN,
    ...values.filter((value) => value.length >= MIN_SECRET_LIKE_LENGTH),
  ]);
}

/** Every option name of the program and its commands, `--help` and `-h` included. */
function optionNames(program: Command): Set<string> {
  const names = new Set(['--help', '-h']);
  for (const command of [program, ...program.commands]) {
    for (const option of command.options) {
      if (option.long) names.add(option.long);
      if (option.short) names.add(option.short);
    }
  }
  return names;
}
