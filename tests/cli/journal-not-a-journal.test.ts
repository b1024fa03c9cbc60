// A --journal that exists and holds no journal record (a file of tokens given by mistake, as `--file
// batch2.txt --journal batch1.txt`, or a JSON file) is refused (exit 2) before anything is written or
// sent: records appended to it would later be sent to DigiLocker as tokens. The message never quotes a
// line, which may be a token. A journal whose first write was cut short, or whose first line a crash
// damaged, is still a journal.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summaryOf, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

const MESSAGE = /^error: --journal .* is not a journal: none of its lines is a journal record/m;

it.each([
  ['tokens, with a final line break', (tokens: string[]) => `${tokens.join('\n')}\n`],
  ['tokens, without one', (tokens: string[]) => tokens.join('\n')],
  ['pretty-printed JSON', (tokens: string[]) => `${JSON.stringify({ tokens }, null, 2)}\n`],
])(
  'a file of %s given as --journal is refused, left unchanged, and nothing is sent',
  async (_, contentOf) => {
    const [listed] = fixture.issue(1);
    const others = fixture.issue(3);
    const batch1 = join(fixture.scratch, 'batch1.txt');
    const content = contentOf(others);
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
  writeFileSync(journal, '{"sha256":"a41f'); // the first write did not finish (a full disk)
  const rerun = await fixture.revoke(['--journal', journal], `${tokens[0]}\n`);
  expect(rerun.code).toBe(0);
  expect(rerun.stderr).toMatch(/line 1 is cut short/);
  // The cut line is a complete, damaged first line now.
  const third = await fixture.revoke(['--json', '--journal', journal], tokens.join('\n'));
  expect(third.code).toBe(0);
  expect(third.stderr).toMatch(/line 1 is not valid JSON; ignored/);
  expect(summaryOf(third.stdout)).toMatchObject({ skipped: 1, revoked: 1 });
});

it('a journal whose first line a crash damaged (NUL bytes) is still read: its later records count', async () => {
  const tokens = fixture.issue(2);
  const journal = join(fixture.scratch, 'crashed.journal');
  expect((await fixture.revoke(['--journal', journal], `${tokens[0]}\n`)).code).toBe(0);
  const written = readFileSync(journal);
  const firstLine = written.indexOf(0x0a) + 1;
  // The file's size survived a crash, its first block's data did not: NUL bytes where line 1 was.
  writeFileSync(
    journal,
    Buffer.concat([Buffer.alloc(firstLine - 1), Buffer.from('\n'), written.subarray(firstLine)]),
  );
  const rerun = await fixture.revoke(['--json', '--journal', journal], tokens.join('\n'));
  expect(rerun.code).toBe(0);
  expect(rerun.stderr).toMatch(/line 1 .*ignored/);
  expect(summaryOf(rerun.stdout)).toMatchObject({ skipped: 1, revoked: 1 });
});
