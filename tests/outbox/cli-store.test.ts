// The CLI's outbox commands on an embedded store that is not there or not a store: a mistyped
// --store is refused with exit 2 and a message naming it, and nothing is created (no directory, no
// store; nor a queue behind a mistyped --schema, embedded or on PostgreSQL); a damaged store is
// refused, not re-created. In process (runCli with captured streams): no build needed.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openRevocationOutbox } from '../../src/outbox';
import { describeConnectionString } from '../../src/outbox/store';
import { runCliInProcess } from '../support/cli-in-process';
import { DATABASE_URL, describeWithPostgres, KEY, scratchDirectory, uniqueSchema } from './support';

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

/** Runs the CLI in this process, with keys and credentials in its environment besides `env`. */
const run = (argv: string[], env: Record<string, string> = {}) =>
  runCliInProcess(argv, {
    DIGILOCKER_OUTBOX_KEYS: KEY,
    DIGILOCKER_CLIENT_ID: 'id',
    DIGILOCKER_CLIENT_SECRET: 'secret',
    ...env,
  });

test.each([
  ['status'],
  ['retry-dead'],
  ['purge'],
  ['resume'],
  ['drain', '--base-url', 'http://127.0.0.1:9/public'],
])('outbox %s on a mistyped --store exits 2 naming it, and creates nothing', async (...command) => {
  const path = join(scratch.path, 'mistyped', 'store');
  const result = await run(['outbox', ...command, '--store', path]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(
    `Cannot open the store ${path}: The outbox directory ${path} does not exist`,
  );
  // The arguments were well formed: a hint to --help would send the operator the wrong way.
  expect(result.stderr).not.toContain('--help');
  expect(result.stdout).toBe('');
  expect(existsSync(join(scratch.path, 'mistyped'))).toBe(false);
});

describe('a store address that is not exactly postgres://', () => {
  const PASSWORD = 'Hunter2PW';
  // A store taken as a directory is made relative to the working directory: nothing may appear there.
  const before = new Set(readdirSync(process.cwd()));
  const made = () => readdirSync(process.cwd()).filter((name) => !before.has(name));
  afterAll(() => {
    for (const name of made()) rmSync(join(process.cwd(), name), { recursive: true, force: true });
  });

  test.each([
    ['one slash', `postgres:/app:${PASSWORD}@127.0.0.1:1/app`],
    ['another scheme', `mysql://app:${PASSWORD}@127.0.0.1:1/app`],
  ])('with %s is refused with exit 2, naming neither it nor its password', async (_, store) => {
    const result = await run(['outbox', 'status', '--store', store]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('neither a postgres:// or postgresql:// URL nor a directory');
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    expect(made()).toEqual([]);
  });

  // Queueing and status both try that server, and neither takes the value for a directory.
  test.each([
    ['an upper-case scheme, given to revoke --via-outbox', 'POSTGRES://', 'argument'],
    ['a leading space, in DIGILOCKER_OUTBOX_STORE for status', ' postgres://', 'environment'],
  ])(
    'with %s is a PostgreSQL URL, its password never printed',
    async (_, scheme, where) => {
      const file = join(scratch.path, 'one-token.txt');
      writeFileSync(file, 'a-token\n');
      const store = `${scheme}app:${PASSWORD}@127.0.0.1:1/app`;
      const result =
        where === 'argument'
          ? await run(['revoke', '--via-outbox', store, '--file', file])
          : await run(['outbox', 'status'], { DIGILOCKER_OUTBOX_STORE: store });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('127.0.0.1:1');
      expect(result.stdout + result.stderr).not.toContain(PASSWORD);
      expect(made()).toEqual([]);
    },
    60_000,
  );
});

test('outbox status without a store is a usage error, with the hint to --help', async () => {
  const result = await run(['outbox', 'status']);
  expect(result.code).toBe(2);
  expect(result.stderr).toBe(
    "error: Give --store DIR|URL, or set DIGILOCKER_OUTBOX_STORE\nRun 'digilocker-revoke --help' for usage.\n",
  );
});

test('outbox status on an empty directory exits 2 and leaves it empty', async () => {
  const path = join(scratch.path, 'empty');
  mkdirSync(path);
  const result = await run(['outbox', 'status', '--store', path]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`The outbox directory ${path} holds no store: check the path`);
  expect(readdirSync(path)).toEqual([]);
});

test('outbox status on a directory of other files exits 2: damaged or not a store, left as it was', async () => {
  const path = join(scratch.path, 'other');
  mkdirSync(path);
  writeFileSync(join(path, 'notes.txt'), 'mine');
  const result = await run(['outbox', 'status', '--store', path]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`The outbox store ${path} is damaged or is not an outbox store`);
  expect(readdirSync(path)).toEqual(['notes.txt']);
});

test('a connection string without a host is described by where node-postgres goes, never as an empty host', () => {
  expect(describeConnectionString('postgres:///queue')).toBe('postgres://(PGHOST or localhost)/queue');
  expect(describeConnectionString('postgres://user:secret@db.internal:5433/queue')).toBe(
    'postgres://db.internal:5433/queue',
  );
});

test.each([['status'], ['keys'], ['purge']])(
  'outbox %s on an embedded store with a mistyped --schema exits 2 naming it, and creates no queue',
  async (command) => {
    const path = join(scratch.path, `schema-${command}`);
    await (await openRevocationOutbox({ store: { directory: path }, encryptionKeys: [KEY] })).close();
    for (let run_ = 0; run_ < 2; run_++) {
      // The second run proves the first created nothing: it is refused the same way.
      const result = await run(['outbox', command, '--store', path, '--schema', 'mistyped_queue']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`has no queue in schema "mistyped_queue"`);
    }
    expect((await run(['outbox', 'status', '--store', path])).code).toBe(0);
  },
);

test('an empty --schema, DIGILOCKER_OUTBOX_SCHEMA or store is refused, never taken for the default', async () => {
  // A store with the default queue: `purge --schema ""` must not work on it.
  const path = join(scratch.path, 'empty-settings');
  await (await openRevocationOutbox({ store: { directory: path }, encryptionKeys: [KEY] })).close();
  const refusals = [
    await run(['outbox', 'purge', '--store', path, '--schema', '']),
    await run(['outbox', 'purge', '--store', path], { DIGILOCKER_OUTBOX_SCHEMA: ' ' }),
    await run(['outbox', 'purge', '--store', path, '--schema', ''], { DIGILOCKER_OUTBOX_SCHEMA: 'tenant_a' }),
    await run(['outbox', 'status', '--store', '']),
  ];
  for (const result of refusals) {
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: The (schema|store) given \(an option or the environment\) is empty/,
    );
  }
  expect((await run(['outbox', 'status', '--store', path])).code).toBe(0);
}, 60_000);

test('outbox status on a schema that exists but holds no queue (public) exits 2, and creates no queue there', async () => {
  const path = join(scratch.path, 'schema-public');
  await (await openRevocationOutbox({ store: { directory: path }, encryptionKeys: [KEY] })).close();
  for (let run_ = 0; run_ < 2; run_++) {
    const result = await run(['outbox', 'status', '--store', path, '--schema', 'public']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('has no queue in schema "public"');
  }
}, 60_000);

describeWithPostgres('on PostgreSQL', () => {
  test('outbox status with a mistyped --schema exits 2 naming it, and creates no schema', async () => {
    const schema = uniqueSchema('mistyped');
    const result = await run(['outbox', 'status', '--store', DATABASE_URL as string, '--schema', schema]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('has no queue in schema'); // the CLI redacts its arguments from messages
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    try {
      const found = await admin.query('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [
        `${schema}%`,
      ]);
      expect(found.rows).toEqual([]);
    } finally {
      await admin.end();
    }
  });
});
