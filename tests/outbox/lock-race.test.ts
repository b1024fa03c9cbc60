// The lock of lock.ts under races (issue 21 items 1-2): six processes taking over the same stale lock
// at the same moment, a hundred times, and one process opening one directory under two spellings.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreLockedError } from '../../src/outbox';
import { acquireLock } from '../../src/outbox/lock';
import { lockDirectory } from '../../src/outbox/store-pglite';

const CONTENDERS = 6;
const TRIALS = 100;

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'digilocker-lock-race-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function contender(config: object): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(__dirname, 'fixtures/lock-race-child.mjs'), JSON.stringify(config)],
      { timeout: 60_000 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    );
  });
}

test(`${CONTENDERS} processes taking over one stale lock, ${TRIALS} times: exactly one wins each time`, async () => {
  for (let trial = 0; trial < TRIALS; trial++)
    writeFileSync(join(directory, `lock-${trial}`), `2147483646 ${hostname()} gone\n`);
  const config = { directory, trials: TRIALS, startAt: Date.now() + 3000, spacingMs: 30 };
  const wins = await Promise.all(Array.from({ length: CONTENDERS }, () => contender(config)));
  const winners = Array.from(
    { length: TRIALS },
    (_, trial) => wins.filter((won) => won.includes(trial)).length,
  );
  expect(winners).toEqual(Array(TRIALS).fill(1));
}, 60_000);

test('one directory opened twice by one process, through a symbolic link, is refused the second time', () => {
  const real = join(directory, 'store');
  mkdirSync(real);
  symlinkSync(real, join(directory, 'link'));
  const release = lockDirectory(real);
  expect(() => lockDirectory(join(directory, 'link'))).toThrow(StoreLockedError);
  expect(() => lockDirectory(join(directory, 'link'))).toThrow('is open in this process');
  release();
  lockDirectory(join(directory, 'link'))();
});

test('a lock is released only by its owner: one taken over meanwhile stays', () => {
  const path = join(directory, 'lock');
  const first = acquireLock(path);
  if (!first.held) throw new Error('not held');
  writeFileSync(path, `${process.ppid} ${hostname()} another\n`); // as if another process held it now
  first.release();
  expect(readFileSync(path, 'utf8')).toBe(`${process.ppid} ${hostname()} another\n`);
});
