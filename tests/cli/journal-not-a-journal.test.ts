// A --journal that exists and does not open with a journal record (a file of tokens given by mistake,
// as `--file batch2.txt --journal batch1.txt`) is refused (exit 2) before anything is written or sent:
// records appended to it would later be sent to DigiLocker as tokens. The message never quotes the
// line, which may be a token. A journal whose first write was cut short is still a journal.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summaryOf, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

const MESSAGE = /^error: --journal .* is not a journal: its first line is not a journal record/m;

it.each([
  ['with a final line break', '\n'],
  ['without one', ''],
])(
  'a file of tokens given as --journal (%s) is refused, left unchanged, and nothing is sent',
  async (_, end) => {
    const [listed] = fixture.issue(1);
    const others = fixture.issue(3);
    const batch1 = join(fixture.scratch, 'batch1.txt');
    const content = `${others.join('\n')}${end}`;
    writeFileSync(batch1, content);
    const run = await fixture.revoke(['--json', '--journal', batch1], `${listed}\n`);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(MESSAGE);
    for (const token of others) expect(run.stderr).not.toContain(token);
    expect(run.stdout).toBe('');
    expect(readFileSync(batch1, 'utf8')).toBe(content);
    expect(fixture.digilocker.stats.requests).toBe(0);
  },
);

it('a journal whose first record was cut short, ended with a line break by a rerun, is still used', async () => {
  const tokens = fixture.issue(2);
  const journal = join(fixture.scratch, 'revoke.journal');
  writeFileSync(journal, '{"sha25'); // the first write did not finish (a full disk)
  const rerun = await fixture.revoke(['--journal', journal], `${tokens[0]}\n`);
  expect(rerun.code).toBe(0);
  expect(rerun.stderr).toMatch(/line 1 is cut short/);
  // The cut line is a complete, damaged first line now.
  const third = await fixture.revoke(['--json', '--journal', journal], tokens.join('\n'));
  expect(third.code).toBe(0);
  expect(third.stderr).toMatch(/line 1 is not valid JSON; ignored/);
  expect(summaryOf(third.stdout)).toMatchObject({ skipped: 1, revoked: 1 });
});
