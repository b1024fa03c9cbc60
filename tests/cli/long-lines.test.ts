// A line whose token is longer than the longest token is one kind of invalid input, whatever its
// length in bytes: `invalid_input`, fingerprint "" (it is never hashed, sent or journaled), and the
// same message, whether the line was read whole (a few KiB) or was too long to read whole (> 16 KiB).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../../src/defaults';
import { jsonLines, useCliFixture } from './cli-harness';

const fixture = useCliFixture();
const TOO_LONG = new RegExp(
  `^line \\d+ is longer than ${LIMITS.maxTokenLength} characters, the longest token \\(\\d+ bytes\\)$`,
);

it('a 5000-character line and a 20000-byte line are the same invalid input, never sent or journaled', async () => {
  const [token] = fixture.issue(1);
  const file = join(fixture.scratch, 'tokens.txt');
  const journal = join(fixture.scratch, 'revoke.journal');
  writeFileSync(file, `${'a'.repeat(5000)}\n${'b'.repeat(20_000)}\n${token}\n`);
  const run = await fixture.revoke(['--json', '--file', file, '--journal', journal]);
  expect(run.code).toBe(1);
  const byIndex = jsonLines(run.stdout).filter((line) => 'index' in line);
  for (const [index, bytes] of [
    [0, 5000],
    [1, 20_000],
  ] as const) {
    const line = byIndex.find((entry) => entry.index === index);
    expect(line).toMatchObject({ index, fingerprint: '', error: 'invalid_input' });
    expect(line?.message).toMatch(TOO_LONG);
    expect(line?.message).toContain(`(${bytes} bytes)`);
  }
  expect(byIndex).toContainEqual(expect.objectContaining({ index: 2, outcome: 'revoked' }));
  expect(fixture.digilocker.stats.requests).toBe(1);
  // Only the real token's records: one digest in the whole journal.
  const digests = new Set(readFileSync(journal, 'utf8').match(/[0-9a-f]{64}/g));
  expect(digests.size).toBe(1);
});
