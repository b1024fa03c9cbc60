import { Command, Option } from 'commander';
import { DEFAULTS, LIMITS, VERSION } from '../index';
import { addDeploymentOptions, refuseBaseUrlWithEnv } from './deployment-options';
import { UsageError } from './exit-codes';
import { integerFrom } from './integer-option';
import type { CliIo } from './io';
import { type MockFlags, mockCommand } from './mock-command';
import { enqueueCommand, registerOutboxCommand } from './outbox-command';
import { type RevokeFlags, revokeCommand } from './revoke-command';
import { traced } from './telemetry';

/** The hint printed after every usage error. */
export const HELP_HINT = "Run 'digilocker-revoke --help' for usage.";

/** The options whose value is a file path or a URL: shown as typed in usage errors. */
export const PATH_OPTIONS: ReadonlySet<string> = new Set([
  '--file',
  '--journal',
  '--base-url',
  '--store',
  '--via-outbox',
  '--proxy',
]);

const ENVIRONMENT_AND_EXIT_CODES = `
Environment (credentials are never taken from arguments):
  DIGILOCKER_CLIENT_ID      the registered client's id
  DIGILOCKER_CLIENT_SECRET  the registered client's secret
  DIGILOCKER_ACCESS_TOKEN   with --auth bearer: the bearer token to send; when unset, one is
                            obtained with the client-credentials grant from the two above
  HTTPS_PROXY, HTTP_PROXY   the proxy for https and http requests (lower case too), unless
  NO_PROXY                  the host is listed in NO_PROXY or is loopback; --proxy overrides
  DIGILOCKER_OUTBOX_KEYS    with --via-outbox: the outbox's encryption keys (comma-separated)
  DIGILOCKER_OUTBOX_SCHEMA  with --via-outbox: the PostgreSQL schema of the queue
  NODE_OPTIONS="--import ./telemetry.mjs"
                            report to the OpenTelemetry SDK that file sets up (the OTEL_*
                            variables alone do nothing; see docs/observability.md)

Exit codes:
  0    every token revoked (or already invalid, with --treat-invalid-as-revoked)
  1    at least one token failed (any error code, counted by code in the summary), or the run
       stopped early (credentials refused, a write or a read failed)
  2    usage or configuration error, or the --journal is in use by another run
  130  interrupted (SIGINT, SIGTERM, SIGHUP or SIGQUIT): requests in flight finished, journal
       and summary written`;

const REVOKE_DETAILS = `
Input: one token per line; surrounding whitespace is trimmed, blank lines and lines starting
with # are ignored. With no tokens and no --file, standard input is read unless it is a terminal.

Output: a progress bar on stderr when it is a terminal, then a summary (stdout; stderr with --json):
revoked (confirmed by DigiLocker) and unconfirmed apart, already invalid, skipped, and failures by
error code. --json prints {"index":N,"fingerprint":"…","outcome":"revoked","confirmed":true|false},
{"index":N,"fingerprint":"…","outcome":"already_invalid"|"skipped"} or
{"index":N,"fingerprint":"…","error":"<code>","message":"…","mayHaveRevoked":true|false} for every
input, where index is its position in the input, fingerprint the first 12 hex digits of its SHA-256,
and mayHaveRevoked whether a failed token may be revoked all the same (a sending of this run or an
earlier one may have reached DigiLocker without its answer), then {"summary":{…}}
with revoked (confirmed only), revokedUnconfirmed, alreadyInvalid, skipped, failed, failedByCode.
No token is ever printed. A line longer than the longest token is an invalid_input error.

Journal (a file of mode 0600, never a symbolic link): before a token is handed to the client, a
JSON line records that it is being sent, keyed by the token's SHA-256 (never the token); its final
outcome follows. A rerun with the same journal skips the tokens already revoked or already invalid
and retries the rest; a token sent before that DigiLocker now calls invalid counts as revoked,
unconfirmed. One run at a time: a run holds <journal>.lock (its pid) and another run on the same
journal exits 2; a lock left by a killed run is taken over with a warning. A token listed twice is
sent twice; DigiLocker's invalid_token for the later copy counts as revoked, unconfirmed (with
--journal, a copy of a token this run already finished is skipped instead). On SIGINT,
SIGTERM, SIGHUP or SIGQUIT, no new token is read (whatever the input: a pipe left open, a
terminal), the requests on the wire finish (a wait for a retry or a rate limit is cut short),
everything is journaled and the summary printed; a second signal quits at once. A run also stops reading input, says why in one line and exits 1 when DigiLocker refuses
the client credentials (invalid_client), or when the journal or standard output cannot be written
or the input cannot be read (then the summary goes to stderr too).
${ENVIRONMENT_AND_EXIT_CODES}

Examples:
  digilocker-revoke revoke --file leaked.txt --journal leaked.journal --hint refresh_token
  produce-tokens | digilocker-revoke revoke --json --treat-invalid-as-revoked > outcomes.jsonl`;

/** Other processes read a command line (`ps`), and a preloaded SDK's process detector exports it. */
const ARGUMENTS_WARNING =
  'warning: tokens given as arguments are visible to other processes and to telemetry (process.command_args); ' +
  'pass them with --file or on standard input\n';

/** What each command's action needs. */
interface CommandContext {
  io: CliIo;
  setExitCode: (code: number) => void;
  redact: (text: string) => string;
}

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

  const context: CommandContext = { io, setExitCode, redact };
  addRevokeCommand(program, context);
  addMockCommand(program, context);
  registerOutboxCommand(program, io, setExitCode);
  return program;
}

/** `revoke`: its options, with the defaults and limits of the package (src/defaults.ts). */
function addRevokeCommand(program: Command, { io, setExitCode, redact }: CommandContext): void {
  const revoke = program
    .command('revoke')
    .description('Revoke tokens given as arguments, in a file, or on standard input.')
    .argument('[tokens...]', 'tokens to revoke (visible to other processes: prefer --file or standard input)')
    .option('--file <path>', "read tokens from a file, one per line; '-' for standard input")
    .addOption(
      new Option('--hint <type>', 'the token_type_hint sent with every token; none by default').choices([
        'access_token',
        'refresh_token',
      ]),
    );
  addDeploymentOptions(revoke)
    .addOption(
      new Option('--concurrency <n>', `requests in flight at most (1-${LIMITS.maxConcurrency})`)
        .argParser(integerFrom(1, LIMITS.maxConcurrency))
        .default(DEFAULTS.concurrency),
    )
    .addOption(
      new Option('--timeout-ms <ms>', 'time limit of one attempt, in milliseconds')
        .argParser(integerFrom(1, LIMITS.maxTimerMs))
        .default(DEFAULTS.timeoutMs),
    )
    .option(
      '--treat-invalid-as-revoked',
      'count a token DigiLocker calls invalid as already invalid (a success) instead of a failure',
    )
    .option(
      '--journal <path>',
      'record each token (its SHA-256) before it is sent and its outcome after; a rerun skips finished ones',
    )
    .option('--json', 'one JSON line per input on stdout, and the summary as the last line')
    .option(
      '--via-outbox <store>',
      'queue the tokens in an outbox store (directory or postgres:// URL) for its workers',
    )
    .addHelpText('after', REVOKE_DETAILS)
    .action(async (tokens: string[], flags: RevokeFlags, command: Command) => {
      refuseBaseUrlWithEnv(flags, command);
      refuseRevokingOptionsWhenQueueing(flags, command);
      if (tokens.length > 0) io.stderr.write(ARGUMENTS_WARNING);
      const { viaOutbox } = flags;
      // Each a command of its own: neither calls the other.
      if (viaOutbox === undefined) setExitCode(await revokeCommand(tokens, flags, io, redact));
      else setExitCode(await traced('revoke', () => enqueueCommand(tokens, { ...flags, viaOutbox }, io)));
    });
}

/** `mock`: a local mock DigiLocker to try the CLI against. */
function addMockCommand(program: Command, { io, setExitCode }: CommandContext): void {
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
}

/** The options of `revoke` that only revoking uses: queueing (`--via-outbox`) would ignore them. */
const REVOKING_ONLY: ReadonlySet<string> = new Set([
  '--journal',
  '--concurrency',
  '--timeout-ms',
  '--treat-invalid-as-revoked',
  '--env',
  '--base-url',
  '--allow-insecure-http',
  '--encoding',
  '--auth',
  '--proxy',
]);

/**
 * `--via-outbox` only queues the tokens; the workers that drain the queue revoke them, with their own
 * settings. An option given with it that it would ignore is a usage error.
 */
function refuseRevokingOptionsWhenQueueing(flags: RevokeFlags, command: Command): void {
  if (flags.viaOutbox === undefined) return;
  const ignored = command.options.find(
    (option) =>
      REVOKING_ONLY.has(option.long ?? '') && command.getOptionValueSource(option.attributeName()) === 'cli',
  );
  if (ignored)
    throw new UsageError(
      `${ignored.long} does not apply to --via-outbox, which only queues the tokens (the workers that drain the queue revoke them)`,
    );
}
