import { Command, InvalidArgumentError, Option } from 'commander';
import { VERSION } from '../index';
import type { CliIo } from './io';
import { type MockFlags, mockCommand } from './mock-command';
import { registerOutboxCommand } from './outbox-command';
import { type RevokeFlags, revokeCommand } from './revoke-command';

/** The hint printed after every usage error. */
export const HELP_HINT = "Run 'digilocker-revoke --help' for usage.";

const ENVIRONMENT_AND_EXIT_CODES = `
Environment (credentials are never taken from arguments):
  DIGILOCKER_CLIENT_ID      the registered client's id
  DIGILOCKER_CLIENT_SECRET  the registered client's secret
  DIGILOCKER_ACCESS_TOKEN   with --auth bearer: the bearer token to send; when unset, one is
                            obtained with the client-credentials grant from the two above

Exit codes:
  0    every token revoked (or already invalid, with --treat-invalid-as-revoked)
  1    at least one token failed
  2    usage or configuration error
  130  interrupted (SIGINT/SIGTERM): requests in flight finished, journal and summary written`;

const REVOKE_DETAILS = `
Input: one token per line; surrounding whitespace is trimmed, blank lines and lines starting
with # are ignored. With no tokens and no --file, standard input is read unless it is a terminal.

Output: a progress bar on stderr when it is a terminal, then a summary (stdout; stderr with --json).
--json prints {"index":N,"fingerprint":"…","outcome":"revoked"|"already_invalid"} or
{"index":N,"fingerprint":"…","error":"<code>","message":"…"} per token, where index is the token's
position in the input and fingerprint the first 12 hex digits of its SHA-256, then {"summary":{…}}.
No token is ever printed.

Journal: each final outcome is appended as a JSON line keyed by the token's SHA-256 (never the
token). A rerun with the same journal skips the tokens already revoked or already invalid and
retries the rest. On SIGINT or SIGTERM, no new token is read, the requests in flight finish and are
journaled, and the summary is printed; a second signal quits at once.
${ENVIRONMENT_AND_EXIT_CODES}

Examples:
  digilocker-revoke revoke --file leaked.txt --journal leaked.journal --hint refresh_token
  produce-tokens | digilocker-revoke revoke --json --treat-invalid-as-revoked > outcomes.jsonl`;

/**
 * The `digilocker-revoke` program: the `revoke` and `mock` commands. Parsing errors throw a
 * CommanderError (exitOverride); `setExitCode` receives the exit code of the command that ran.
 * `redact` is applied to commander's error messages, which quote the offending argument.
 */
export function createProgram(
  io: CliIo,
  setExitCode: (code: number) => void,
  redact: (text: string) => string = (text) => text,
): Command {
  // Settings made before .command() are inherited by the subcommands.
  const program = new Command('digilocker-revoke')
    .description(
      'Revoke DigiLocker OAuth tokens in bulk, dependably: retries, a journal to resume, and no token ever printed.',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(redact(text)),
    })
    .showHelpAfterError(HELP_HINT)
    .addHelpText(
      'after',
      `${ENVIRONMENT_AND_EXIT_CODES}\n\nRun 'digilocker-revoke revoke --help' for its options.`,
    );

  program
    .command('revoke')
    .description('Revoke tokens given as arguments, in a file, or on standard input.')
    .argument('[tokens...]', 'tokens to revoke (visible to other processes: prefer --file or standard input)')
    .option('--file <path>', "read tokens from a file, one per line; '-' for standard input")
    .addOption(
      new Option('--hint <type>', 'the token_type_hint sent with every token; none by default').choices([
        'access_token',
        'refresh_token',
      ]),
    )
    .addOption(
      new Option('--env <environment>', 'the DigiLocker deployment')
        .choices(['sandbox', 'production', 'legacy-production'])
        .default('sandbox'),
    )
    .option(
      '--base-url <url>',
      'base URL including /public, instead of --env (plain http only on loopback), e.g. http://127.0.0.1:8080/public',
    )
    .addOption(
      new Option('--encoding <encoding>', 'request body: form (partner specification) or json (API listing)')
        .choices(['form', 'json'])
        .default('form'),
    )
    .addOption(
      new Option(
        '--auth <method>',
        'client authentication: HTTP Basic, client_secret_post in the body, or a Bearer token',
      )
        .choices(['basic', 'post', 'bearer'])
        .default('basic'),
    )
    .addOption(
      new Option('--concurrency <n>', 'requests in flight at most (1-1024)')
        .argParser(integerFrom(1, 1024))
        .default(8),
    )
    .addOption(
      new Option('--timeout-ms <ms>', 'time limit of one attempt, in milliseconds')
        .argParser(integerFrom(1, 600_000))
        .default(10_000),
    )
    .option(
      '--treat-invalid-as-revoked',
      'count a token DigiLocker calls invalid as already invalid (a success) instead of a failure',
    )
    .option('--journal <path>', 'append each final outcome to this file, and skip finished tokens on a rerun')
    .option('--json', 'one JSON line per token on stdout, and the summary as the last line')
    .option(
      '--via-outbox <store>',
      'queue the tokens in an outbox store (directory or postgres:// URL) for its workers',
    )
    .addHelpText('after', REVOKE_DETAILS)
    .action(async (tokens: string[], flags: RevokeFlags) => {
      setExitCode(await revokeCommand(tokens, flags, io));
    });

  program
    .command('mock')
    .description(
      'Start a local mock DigiLocker for trying the CLI; print its base URL and test credentials, run until Ctrl-C.',
    )
    .addOption(
      new Option('--port <n>', 'port on 127.0.0.1 (0: any free port)')
        .argParser(integerFrom(0, 65535))
        .default(0),
    )
    .addOption(
      new Option('--issue <n>', 'issue n grants at start and print their access and refresh tokens')
        .argParser(integerFrom(0, 100_000))
        .default(0),
    )
    .action(async (flags: MockFlags) => {
      setExitCode(await mockCommand(flags, io));
    });

  registerOutboxCommand(program, io, setExitCode);
  return program;
}

/** An option parser that accepts a decimal integer from `min` to `max`. */
function integerFrom(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}
