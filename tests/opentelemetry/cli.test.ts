// The CLI reports to an OpenTelemetry SDK preloaded into its process (node --import): one span for the
// command, with its exit code and counts, above the revocations' spans; flushed before it exits.
// Without @opentelemetry/api loadable, it runs as it always did (every other CLI test).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialsOf, runCli, startCli, summaryOf, useCliFixture, waitFor } from '../cli/cli-harness';

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
