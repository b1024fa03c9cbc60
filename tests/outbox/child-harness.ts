// Runs tests/outbox/fixtures/outbox-child.mjs (the BUILT outbox, as an application uses it) in child
// processes, and gives each test a fresh embedded-store directory copied from a template (creating a
// PGlite database and pg-boss's schema takes from 5 to 25 s on a busy machine; copying it, a moment).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { MockDigiLocker } from '../../src/testing';
import { type CliFixture, credentialsOf, ensureCliBuilt, runCli } from '../cli/cli-harness';
import { KEY } from './support';

const root = join(__dirname, '../..');
const CHILD = join(__dirname, 'fixtures/outbox-child.mjs');
const PGLITE_VERSION: string = JSON.parse(
  readFileSync(join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
).version;
const PG_BOSS_VERSION: string = JSON.parse(
  readFileSync(join(root, 'node_modules/pg-boss/package.json'), 'utf8'),
).version;
const TEMPLATE = join(
  root,
  `node_modules/.cache/digilocker-outbox-template-pglite-${PGLITE_VERSION}-pg-boss-${PG_BOSS_VERSION}`,
);

/** A running child: its JSON lines so far, and its end. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  lines: Record<string, unknown>[];
  stderr(): string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcessWithoutNullStreams>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

/** Starts the child with this configuration (see the fixture's header). */
export function startChild(config: Record<string, unknown>): Child {
  const child = spawn(process.execPath, [CHILD, JSON.stringify({ keys: [KEY], ...config })], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  });
  running.add(child);
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part));
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return { process: child, lines, stderr: () => stderr, done };
}

/** Runs the child to its end; rejects with its output unless it exits 0. */
export async function runChild(config: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const child = startChild(config);
  const { code } = await child.done;
  if (code !== 0) throw new Error(`child exited ${code}: ${JSON.stringify(child.lines)} ${child.stderr()}`);
  return child.lines;
}

/** The mock's address and credentials, as the child takes them. */
export function mockConfig(mock: MockDigiLocker): Record<string, string> {
  return { baseUrl: mock.baseUrl, clientId: mock.clientId, clientSecret: mock.clientSecret };
}

/** Builds dist/ when needed (the child runs the built package). */
export function ensureBuilt(): void {
  ensureCliBuilt();
}

/** A fresh embedded-store directory (a copy of the template), removed by `remove`. */
export async function freshDirectory(): Promise<{ path: string; remove: () => void }> {
  if (!existsSync(TEMPLATE)) {
    mkdirSync(dirname(TEMPLATE), { recursive: true });
    const building = mkdtempSync(`${TEMPLATE}.building-`); // on the same file system, to rename
    await runChild({
      store: { directory: building },
      baseUrl: 'http://127.0.0.1:9/public',
      clientId: 'x',
      clientSecret: 'y',
    });
    try {
      renameSync(building, TEMPLATE);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another test file made it first
    }
  }
  const path = join(mkdtempSync(join(tmpdir(), 'digilocker-outbox-')), 'store');
  cpSync(TEMPLATE, path, { recursive: true });
  return { path, remove: () => rmSync(join(path, '..'), { recursive: true, force: true }) };
}

/**
 * Queues `count` fresh refresh tokens of the fixture's mock in the embedded store at `store` through
 * the built CLI (`revoke --via-outbox`), sealed with KEY.
 */
export async function queueThroughCli(fixture: CliFixture, store: string, count: number): Promise<void> {
  const file = join(fixture.scratch, 'tokens.txt');
  const tokens = Array.from({ length: count }, () => fixture.digilocker.issueTokens().refreshToken);
  writeFileSync(file, `${tokens.join('\n')}\n`);
  const env = { ...credentialsOf(fixture.digilocker), DIGILOCKER_OUTBOX_KEYS: KEY };
  const queued = await runCli(['revoke', '--via-outbox', store, '--file', file], { env });
  if (queued.code !== 0) throw new Error(`queueing through the CLI exited ${queued.code}: ${queued.stderr}`);
}
