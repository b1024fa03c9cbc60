// When output or disk fails mid-run (the reader of stdout went away: EPIPE; a full disk: ENOSPC; a
// file-size limit: EFBIG), the CLI stops reading input, lets in-flight requests finish, journals what
// it can, prints the summary on stderr with a one-line reason and exits 1. Never a crash, and nothing
// the server did is lost from the journal. A journal (or its lock) that cannot be written as the run
// starts is exit 1 too, in one line, without the hint to --help: the arguments were right.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/fingerprint';
import { runShell, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

interface Line {
  sha256: string;
  sending?: boolean;
  outcome?: string;
  error?: string;
}

function setUp(count: number) {
  const tokens = Array.from({ length: count }, () => fixture.digilocker.issueTokens().accessToken);
  const file = join(fixture.scratch, 'tokens.txt');
  writeFileSync(file, `${tokens.join('\n')}\n`);
  return { tokens, file, journal: join(fixture.scratch, 'journal') };
}

/** The complete lines of the journal (a line cut short by the size limit is left out). */
function journalLines(journal: string): Line[] {
  const text = readFileSync(journal, 'utf8');
  return text
    .split('\n')
    .slice(0, text.endsWith('\n') ? undefined : -1)
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);
}

const env = () => ({ ...fixture.env(), BASE_URL: fixture.digilocker.baseUrl });

it('--json | head -1: the reader goes away (EPIPE); the run stops, journals, and says why on stderr', async () => {
  const { tokens, file, journal } = setUp(400);
  fixture.digilocker.inject({ type: 'delay', ms: 5 }, { times: 400 });
  const run = await runShell(
    `$CLI revoke --json --concurrency 4 --file "$file" --journal "$journal" --base-url "$BASE_URL" 2>"$scratch/stderr" | head -1; $CLI_END`,
    fixture.scratch,
    { ...env(), file, journal },
  );
  expect(run.stdout.trim().split('\n')).toHaveLength(1);
  expect(run.code).toBe(1);
  expect(run.stderr).not.toMatch(/unexpected|EPIPE.*at |\n\s+at /);
  expect(run.stderr).toMatch(/^digilocker-revoke: stopped: standard output was closed \(EPIPE\)/m);
  expect(run.stderr).toMatch(/^revoked: +\d+$/m);
  // It stopped early, and every token DigiLocker saw has its final outcome in the journal.
  expect(fixture.digilocker.stats.revokeRequests).toBeLessThan(tokens.length);
  const finals = journalLines(journal).filter((line) => line.outcome !== undefined);
  expect(finals).toHaveLength(fixture.digilocker.stats.revokeRequests);
  expect(tokens.filter((token) => !fixture.digilocker.isActive(token))).toHaveLength(finals.length);
});

it('a journal that hits the file-size limit (EFBIG): stops, summary on stderr with the reason, exit 1', async () => {
  const { tokens, file, journal } = setUp(300);
  const run = await runShell(
    // ulimit -f counts 1024-byte blocks in bash: 8 KiB is some 50 lines. SIGXFSZ is not fatal to Node.
    `ulimit -f 8; $CLI revoke --concurrency 4 --file "$file" --journal "$journal" --base-url "$BASE_URL" 2>"$scratch/stderr"; $CLI_END`,
    fixture.scratch,
    { ...env(), file, journal },
  );
  expect(run.code).toBe(1);
  expect(run.stderr).not.toMatch(/unexpected/);
  expect(run.stderr).toMatch(/^digilocker-revoke: stopped: cannot write to --journal .*: EFBIG/m);
  expect(run.stderr).toMatch(/^revoked: +\d+$/m);
  expect(run.stdout).toBe('');
  expect(fixture.digilocker.stats.revokeRequests).toBeLessThan(tokens.length);
  // Write-ahead: every token DigiLocker saw has a complete "sending" line; none was sent unrecorded.
  const sent = new Set(journalLines(journal).map((line) => line.sha256));
  expect(sent.size).toBeGreaterThan(0);
  const seen = tokens.filter((token) => fixture.digilocker.revokeRequestsFor(token) > 0);
  expect(seen.length).toBeGreaterThan(0);
  for (const token of seen) expect(sent.has(await sha256Hex(token))).toBe(true);
  expect(readFileSync(journal).length).toBeLessThanOrEqual(8 * 1024);
});

it('a journal that fails after the input did is told too: each cause of a stop has its line', async () => {
  // 20 tokens in flight (each answered in 200 ms), then a NUL byte: the input fails first; the
  // outcome lines then hit the file-size limit, which was never reported.
  const { file, journal } = setUp(20);
  appendFileSync(file, 'zz\0\n');
  fixture.digilocker.inject({ type: 'delay', ms: 200 }, { times: 20 });
  const run = await runShell(
    `ulimit -f 3; $CLI revoke --concurrency 32 --file "$file" --journal "$journal" --base-url "$BASE_URL" 2>"$scratch/stderr"; $CLI_END`,
    fixture.scratch,
    { ...env(), file, journal },
  );
  expect(run.code).toBe(1);
  expect(run.stderr).not.toMatch(/unexpected/);
  expect(run.stderr).toMatch(/^digilocker-revoke: stopped: --file .*NUL/m);
  expect(run.stderr).toMatch(/^digilocker-revoke: stopped: cannot write to --journal .*: EFBIG/m);
  expect(journalLines(journal).filter((line) => line.outcome !== undefined).length).toBeLessThan(20);
});

it('a full disk for stdout (ENOSPC on /dev/full): stops, summary on stderr with the reason, exit 1', async () => {
  const { file, journal } = setUp(50);
  const run = await runShell(
    `$CLI revoke --json --file "$file" --journal "$journal" --base-url "$BASE_URL" 2>"$scratch/stderr" >/dev/full; $CLI_END`,
    fixture.scratch,
    { ...env(), file, journal },
  );
  expect(run.code).toBe(1);
  expect(run.stderr).not.toMatch(/unexpected/);
  expect(run.stderr).toMatch(/^digilocker-revoke: stopped: cannot write to standard output: ENOSPC/m);
  const finals = journalLines(journal).filter((line) => line.outcome !== undefined);
  expect(finals).toHaveLength(fixture.digilocker.stats.revokeRequests);
});

it('without --json, a summary that cannot go to stdout goes to stderr, exit 1', async () => {
  const { file } = setUp(3);
  const run = await runShell(
    `$CLI revoke --file "$file" --base-url "$BASE_URL" 2>"$scratch/stderr" >/dev/full; $CLI_END`,
    fixture.scratch,
    { ...env(), file },
  );
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^digilocker-revoke: .*cannot write to standard output: ENOSPC/m);
  expect(run.stderr).toMatch(/^revoked: +3$/m);
});

/** Runs revoke under `ulimit -f blocks` (of 1024 bytes); its stderr goes through a pipe, out of the limit's reach. */
function revokeUnderLimit(blocks: number, file: string, journal: string) {
  return runShell(
    `(ulimit -f ${blocks}; exec $CLI revoke --file "$file" --journal "$journal" --base-url "$BASE_URL") 2>&1 >/dev/null | cat >"$scratch/stderr"; $CLI_END`,
    fixture.scratch,
    { ...env(), file, journal },
  );
}

it("a journal's lock that cannot be written as the run starts (EFBIG): exit 1, one line, no --help hint", async () => {
  const { file, journal } = setUp(3);
  const run = await revokeUnderLimit(0, file, journal);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^error: Cannot open --journal .*: cannot create its lock .*\.lock: EFBIG$/m);
  expect(run.stderr).not.toMatch(/--help|unexpected/);
  expect(existsSync(`${journal}.lock`)).toBe(false);
  expect(fixture.digilocker.stats.requests).toBe(0);
});

it('a journal that cannot be written as the run starts (EFBIG, ending a cut line): exit 1, one line, no --help hint', async () => {
  const { tokens, file, journal } = setUp(12);
  writeFileSync(file, `${tokens.slice(0, 10).join('\n')}\n`);
  expect((await revokeUnderLimit(100, file, journal)).code).toBe(0);
  appendFileSync(journal, '{"sha256":"0123'); // a write cut short; the next run ends it with a line break
  expect(readFileSync(journal).length).toBeGreaterThan(1024);
  const requests = fixture.digilocker.stats.requests;
  writeFileSync(file, `${tokens.join('\n')}\n`);
  const run = await revokeUnderLimit(1, file, journal);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^error: Cannot write to --journal .*: EFBIG$/m);
  expect(run.stderr).not.toMatch(/--help|unexpected/);
  expect(existsSync(`${journal}.lock`)).toBe(false);
  expect(fixture.digilocker.stats.requests).toBe(requests);
});
