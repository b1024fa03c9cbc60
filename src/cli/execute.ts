import { type Command, CommanderError } from 'commander';
import { EXIT, RefusedError, UsageError, WriteFailedError } from './exit-codes';
import type { CliIo } from './io';
import { createProgram, HELP_HINT, PATH_OPTIONS } from './program';
import { argumentsToHide, secretsOf, usageRedactor, type ValueKind } from './redaction';

/**
 * Executes `digilocker-revoke` with `argv` (without node and the script) and returns the exit code:
 * commander's parsing errors and every UsageError become 2, with a one-line message and the help hint;
 * a WriteFailedError becomes 1, with a one-line message;
 * any other error (a bug, a failure no command expected) becomes 1, with its name and message. Either
 * message may quote an argument: file paths, command names and option names are shown as typed, while
 * the credentials from the environment (in every encoding) and whatever is or may be a token (see
 * {@link argumentsToHide}) are redacted.
 */
export async function execute(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  // Built on first use only: tokens given as arguments may be many.
  let redactor: ((text: string) => string) | undefined;
  const redact = (text: string) => {
    redactor ??= usageRedactor(argumentsToHide(argv, valueKinds(program)), secretsOf(io.env, argv));
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
      const hint = error instanceof RefusedError ? '' : `${HELP_HINT}\n`;
      io.stderr.write(`error: ${redact(error.message)}\n${hint}`);
      return EXIT.usage;
    }
    if (error instanceof WriteFailedError) {
      io.stderr.write(`error: ${redact(error.message)}\n`);
      return EXIT.failed;
    }
    // Name and message only: a stack or a cause could carry what the redactor does not know.
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`digilocker-revoke: unexpected ${redact(name)}: ${redact(message)}\n`);
    return EXIT.failed;
  }
}

/** Each option of the program and its commands that takes a value, with how its value is shown. */
function valueKinds(program: Command): Map<string, ValueKind> {
  const kinds = new Map<string, ValueKind>();
  const commands: Command[] = [];
  // Every level: `outbox drain` is a command of a command.
  for (const pending = [program]; pending.length > 0; ) {
    const command = pending.pop() as Command;
    commands.push(command);
    pending.push(...command.commands);
  }
  for (const command of commands) {
    for (const option of command.options) {
      if (!option.required && !option.optional) continue;
      const kind: ValueKind = option.long && PATH_OPTIONS.has(option.long) ? 'path' : 'word';
      if (option.long) kinds.set(option.long, kind);
      if (option.short) kinds.set(option.short, kind);
    }
  }
  return kinds;
}
