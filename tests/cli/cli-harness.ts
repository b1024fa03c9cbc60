// Runs the BUILT digilocker-revoke (dist/cli.js) as a user would: a child process with its own
// environment, arguments and standard streams, against a mock DigiLocker started in the test process.
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type MockDigiLocker, type MockDigiLockerOptions, startMockDigiLocker } from '../../src/testing';

const root = join(__dirname, '../..');

/** The built CLI. */
export const CLI = join(root, 'dist/cli.js');

/** What a finished run left behind. */
export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI: its process, its output so far, and its end. */
export interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  done: Promise<Run>;
}

export interface StartOptions {
  /** Written to standard input, which is then closed; without it, standard input stays open. */
  stdin?: string;
  /** Added to a clean environment (PATH only): `undefined` leaves a variable out. */
  env?: Record<string, string | undefined>;
  /** Another build of the CLI to run (a copy installed elsewhere). */
  cli?: string;
}

const running = new Set<ChildProcessWithoutNullStreams>();

// Registered in every test file that imports the harness: a test that fails mid-way leaves no CLI
// running (one waiting on an open standard input would never end).
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

/** Starts `node dist/cli.js ...args`. Nothing from the test's own environment leaks in but PATH. */
export function startCli(args: string[], options: StartOptions = {}): Running {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  const child = spawn(process.execPath, [options.cli ?? CLI, ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on('error', () => {}); // the CLI may exit before reading all of it
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  running.add(child);
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** What {@link useCliFixture} gives each test. */
export interface CliFixture {
  /** A mock DigiLocker of the running test's own. */
  readonly digilocker: MockDigiLocker;
  /** An empty temporary directory of the running test's own. */
  readonly scratch: string;
  /** The access tokens of `count` fresh grants of the mock. */
  issue(count: number): string[];
  /** The environment that gives the CLI the mock's client credentials. */
  env(): Record<string, string>;
  /** Runs `revoke --base-url <the mock> ...args` to its end, with the mock's credentials and `stdin`. */
  revoke(args: string[], stdin?: string): Promise<Run>;
}

/**
 * Registers what the CLI's end-to-end tests share: the CLI built once, then for each test a fresh mock
 * DigiLocker (started with `options`) and a scratch directory, both gone after it.
 */
export function useCliFixture(options: MockDigiLockerOptions = {}): CliFixture {
  const fixture: CliFixture = {
    digilocker: undefined as unknown as MockDigiLocker,
    scratch: '',
    issue: (count) => Array.from({ length: count }, () => fixture.digilocker.issueTokens().accessToken),
    env: () => credentialsOf(fixture.digilocker),
    revoke: (args, stdin = '') =>
      runCli(['revoke', '--base-url', fixture.digilocker.baseUrl, ...args], { stdin, env: fixture.env() }),
  };
  beforeAll(() => ensureCliBuilt(), 180_000);
  beforeEach(async () => {
    Object.assign(fixture, {
      digilocker: await startMockDigiLocker(options),
      scratch: mkdtempSync(join(tmpdir(), 'digilocker-cli-')),
    });
  });
  afterEach(async () => {
    await fixture.digilocker.close();
    rmSync(fixture.scratch, { recursive: true, force: true });
  });
  return fixture;
}

/** The environment that gives the CLI the mock's client credentials. */
export function credentialsOf(digilocker: {
  clientId: string;
  clientSecret: string;
}): Record<string, string> {
  return { DIGILOCKER_CLIENT_ID: digilocker.clientId, DIGILOCKER_CLIENT_SECRET: digilocker.clientSecret };
}

/** Runs the CLI to its end. */
export function runCli(args: string[], options: StartOptions = {}): Promise<Run> {
  // Without input of its own, standard input is closed (as with `< /dev/null`), not left open.
  return startCli(args, { stdin: '', ...options }).done;
}

/** The JSON lines of `--json` output. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The `{"summary":{...}}` line, which must be the last one. */
export function summaryOf(stdout: string): Record<string, unknown> {
  const last = jsonLines(stdout).at(-1) as { summary?: Record<string, unknown> } | undefined;
  if (!last?.summary) throw new Error(`The last line of stdout is not the summary:\n${stdout.slice(-500)}`);
  return last.summary;
}

/** Polls `condition` every 10 ms. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Builds the package when dist/cli.js is missing or older than a file of src/ (CI builds before the
 * tests, so this only happens locally). Test files run in parallel workers: a lock directory makes
 * one of them build while the others wait.
 */
export function ensureCliBuilt(): void {
  if (isBuilt()) return;
  const lock = join(root, 'node_modules/.cache/digilocker-revoke-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (isBuilt()) return;
      // A lock left by a killed run is older than any real build.
      const lockAge = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (lockAge > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the build lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!isBuilt()) execFileSync('npx', ['tsup'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isBuilt(): boolean {
  const built = statSync(CLI, { throwIfNoEntry: false });
  return built !== undefined && built.mtimeMs >= newestMtime(join(root, 'src'));
}

function newestMtime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** What a shell pipeline around the CLI left behind: the CLI's exit code and its stderr, by file. */
export interface ShellRun {
  /** The CLI's own exit code (from PIPESTATUS), not the pipeline's. */
  code: number;
  /** What the last command of the pipeline printed. */
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` with bash, where `$CLI` runs the built CLI (`node dist/cli.js`), so that the CLI can be
 * put in a real pipeline (`$CLI revoke --json | head -1`) or under a limit (`ulimit -f`). The script
 * must leave the CLI's exit code in `$scratch/code` and its stderr in `$scratch/stderr`, which the
 * `$CLI_END` suffix does: `$CLI revoke ... 2>"$scratch/stderr" | head -1; $CLI_END`.
 */
export function runShell(
  script: string,
  scratch: string,
  env: Record<string, string | undefined> = {},
): Promise<ShellRun> {
  const full: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    CLI: `${process.execPath} ${CLI}`,
    scratch,
  };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) full[name] = value;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion, not a template.
  const body = script.replaceAll('$CLI_END', 'echo "${PIPESTATUS[0]}" > "$scratch/code"');
  const child = spawn('bash', ['-c', body], { env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  return new Promise((resolve, reject) =>
    child.on('close', () => {
      try {
        resolve({
          code: Number(readFileSync(join(scratch, 'code'), 'utf8').trim()),
          stdout,
          stderr: readFileSync(join(scratch, 'stderr'), 'utf8'),
        });
      } catch (error) {
        reject(error);
      }
    }),
  );
}

/** True where util-linux `script` can give the CLI a pseudo-terminal. */
export const hasScript = (() => {
  try {
    return (
      process.platform === 'linux' &&
      execFileSync('script', ['--version'], { encoding: 'utf8' }).includes('util-linux')
    );
  } catch {
    return false;
  }
})();

/** A CLI on a pseudo-terminal: what the terminal showed so far, keys to type, and its end. */
export interface OnTerminal {
  screen(): string;
  /** Types on the terminal: `\u0003` is Ctrl-C (SIGINT from the line discipline), `\u0004` Ctrl-D. */
  type(keys: string): void;
  done: Promise<{ code: number | null; screen: string }>;
}

/**
 * Runs the CLI with stdin, stdout and stderr on a pseudo-terminal (util-linux `script`), with `env`
 * added to a clean environment (PATH, and TERM unless given).
 */
export function startOnTerminal(args: string[], env: Record<string, string> = {}): OnTerminal {
  // exec: the CLI itself, not a shell, is the terminal's foreground process and gets Ctrl-C.
  const command = `exec ${[process.execPath, CLI, ...args].map((word) => `'${word}'`).join(' ')}`;
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env },
  });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk;
  });
  child.stdin.on('error', () => {});
  running.add(child);
  const done = new Promise<{ code: number | null; screen: string }>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, screen });
    }),
  );
  return { screen: () => screen, type: (keys) => child.stdin.write(keys), done };
}
