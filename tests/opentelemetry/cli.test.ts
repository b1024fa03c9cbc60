// The CLI reports to an OpenTelemetry SDK preloaded into its process (node --import): one span for the
// command (revoke, revoke --via-outbox, outbox drain), with its exit code and counts, above the
// revocations' spans; flushed before it exits, and a signal during that flush keeps the run's code.
// Without @opentelemetry/api loadable, it runs as it always did (every other CLI test).
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, credentialsOf, runCli, startCli, summaryOf, useCliFixture, waitFor } from '../cli/cli-harness';

const fixture = useCliFixture();
const PRELOAD = join(__dirname, 'fixtures/cli-preload.mjs');

test('a revoke run is one span, the parent of its revocations, with its counts and exit code', async () => {
  const spansFile = join(fixture.scratch, 'spans.jsonl');
  const tokens = [fixture.digilocker.issueTokens().accessToken, 'never-issued-token'];
  const run = await runCli(['revoke', '--base-url', fixture.digilocker.baseUrl, ...tokens], {
    env: { ...credentialsOf(fixture.digilocker), NODE_OPTIONS: `--import ${PRELOAD}`, SPANS_FILE: spansFile },
  });
  expect(run.code).toBe(1); // the never-issued token fails
  const spans = readFileSync(spansFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { name: string; id: string; parent?: string; attributes: object });
  const command = spans.find((span) => span.name === 'digilocker-revoke revoke');
  expect(command?.attributes).toEqual({
    'digilocker.batch.size': 2,
    'digilocker.batch.revoked': 1,
    'digilocker.batch.already_invalid': 0,
    'digilocker.batch.failed': 1,
    'process.exit.code': 1,
  });
  const batch = spans.filter((span) => span.parent === command?.id);
  expect(batch.map((span) => span.name)).toEqual(['digilocker.revoke_many']);
  expect(command?.parent).toBeUndefined();
  expect(JSON.stringify(spans)).not.toContain(tokens[0]);
}, 60_000);

test('a span processor and a flush that throw change nothing of the run: every token revoked, exit 0', async () => {
  const tokens = fixture.issue(2);
  const run = await runCli(['revoke', '--json', '--base-url', fixture.digilocker.baseUrl, ...tokens], {
    env: {
      ...credentialsOf(fixture.digilocker),
      NODE_OPTIONS: `--import ${join(__dirname, 'fixtures/cli-preload-failing.mjs')}`,
    },
  });
  expect(summaryOf(run.stdout)).toMatchObject({ revoked: 2, failed: 0 });
  expect(run.code).toBe(0);
  expect(tokens.every((token) => !fixture.digilocker.isActive(token))).toBe(true);
}, 60_000);

test('with OTEL_* set but @opentelemetry/api not loadable where the CLI is installed, the run says its telemetry was off', async () => {
  // The package installed alone (as under a global prefix), with its one dependency and no
  // @opentelemetry/api to be found from it.
  const root = join(CLI, '../..');
  const install = join(fixture.scratch, 'lib/node_modules/digilocker-revocation');
  mkdirSync(join(install, 'node_modules'), { recursive: true });
  cpSync(join(root, 'dist'), join(install, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(install, 'package.json'));
  for (const name of ['openapi-fetch', 'openapi-typescript-helpers']) {
    symlinkSync(join(root, 'node_modules', name), join(install, 'node_modules', name));
  }
  const cli = join(install, 'dist/cli.js');
  const revoke = (env: Record<string, string>) =>
    runCli(['revoke', '--base-url', fixture.digilocker.baseUrl, ...fixture.issue(1)], {
      cli,
      env: { ...credentialsOf(fixture.digilocker), ...env },
    });
  const wanted = await revoke({
    OTEL_SERVICE_NAME: 'revoker',
    NODE_OPTIONS: `--import ${PRELOAD}`,
    SPANS_FILE: join(fixture.scratch, 'spans.jsonl'),
  });
  expect(wanted.code).toBe(0);
  expect(wanted.stderr).toMatch(/^warning: OTEL_\* is set, but @opentelemetry\/api cannot be loaded/m);
  const unwanted = await revoke({});
  expect(unwanted.code).toBe(0);
  expect(unwanted.stderr).not.toMatch(/OTEL_/);
  const disabled = await revoke({ OTEL_SERVICE_NAME: 'revoker', OTEL_SDK_DISABLED: 'true' });
  expect(disabled.stderr).not.toMatch(/OTEL_/);
  // A command that sends nothing wanted no telemetry.
  const help = await runCli(['--help'], { cli, env: { OTEL_SERVICE_NAME: 'revoker' } });
  expect(help.code).toBe(0);
  expect(help.stderr).not.toMatch(/OTEL_/);
}, 60_000);

test.each(['SIGINT', 'SIGTERM'] as const)(
  "a %s while a finished run flushes its spans to a collector that never answers exits with the run's code",
  async (signal) => {
    const running = startCli(
      ['revoke', '--json', '--base-url', fixture.digilocker.baseUrl, ...fixture.issue(2)],
      {
        env: {
          ...credentialsOf(fixture.digilocker),
          NODE_OPTIONS: `--import ${join(__dirname, 'fixtures/cli-preload-stuck.mjs')}`,
        },
      },
    );
    // The summary is the run's last output: then only the flush (up to 5 s) is left.
    await waitFor(() => running.stdout().includes('"summary"'), 'the summary');
    running.child.kill(signal);
    const run = await running.done;
    expect(summaryOf(run.stdout)).toMatchObject({ revoked: 2, failed: 0, interrupted: false });
    expect(run.code).toBe(0);
  },
  60_000,
);

test("revoke --via-outbox and outbox drain are spans too; the drain's sign-outs and job ends are recorded", async () => {
  const spansFile = join(fixture.scratch, 'outbox-spans.jsonl');
  const store = join(fixture.scratch, 'outbox-store');
  const env = {
    ...credentialsOf(fixture.digilocker),
    DIGILOCKER_OUTBOX_KEYS: randomBytes(32).toString('base64'),
    NODE_OPTIONS: `--import ${PRELOAD}`,
    SPANS_FILE: spansFile,
  };
  const tokens = fixture.issue(2);
  expect((await runCli(['revoke', '--via-outbox', store, ...tokens], { env })).code).toBe(0);
  const drain = await runCli(
    ['outbox', 'drain', '--store', store, '--base-url', fixture.digilocker.baseUrl],
    { env },
  );
  expect(drain.code).toBe(0);
  const spans = readFileSync(spansFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { name: string; attributes: Record<string, unknown> });
  const named = (name: string) => spans.filter((span) => span.name === name);
  expect(named('digilocker-revoke revoke')).toEqual([
    expect.objectContaining({ attributes: { 'process.exit.code': 0 } }),
  ]);
  expect(named('digilocker-revoke outbox drain')).toEqual([
    expect.objectContaining({ attributes: { 'process.exit.code': 0 } }),
  ]);
  expect(named('digilocker.sign_out')).toHaveLength(2);
  // outboxEventRecorder: a job's end on pg-boss's own span of the job's run.
  expect(named('process digilocker-revocation')).toContainEqual(
    expect.objectContaining({
      attributes: expect.objectContaining({ 'digilocker.outbox.outcome': 'revoked' }),
    }),
  );
  for (const token of tokens) expect(JSON.stringify(spans)).not.toContain(token);
}, 120_000);
