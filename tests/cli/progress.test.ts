// The progress bar (cli-progress) draws on a terminal only: done/total, rate and failures; done alone
// until a file's total is counted. A fake terminal stream stands in for stderr.
import { PassThrough } from 'node:stream';
import { createProgress } from '../../src/cli/progress';

function fakeStderr(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  let output = '';
  stream.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { stream: stream as unknown as NodeJS.WriteStream, output: () => output };
}

it('shows done/total, the rate and the failures when the total is known', () => {
  const stderr = fakeStderr(true);
  const progress = createProgress(stderr.stream, 10);
  progress.update({ done: 3, failed: 1, rate: 41.6 });
  progress.stop();
  expect(stderr.output()).toMatch(/revoking \[[^\]]+\] 3\/10 \| 42 tokens\/s \| 1 failed/);
});

it('shows what is done until the total is known, then done/total', () => {
  const stderr = fakeStderr(true);
  const progress = createProgress(stderr.stream, undefined);
  progress.update({ done: 5, failed: 0, rate: 5 });
  expect(stderr.output()).toMatch(/revoking \| 0 done/);
  progress.setTotal(8);
  progress.update({ done: 6, failed: 0, rate: 6 });
  progress.stop();
  expect(stderr.output()).toMatch(/6\/8 \| 6 tokens\/s \| 0 failed/);
  expect(stderr.output()).not.toMatch(/\/0 /);
});

it('writes nothing when stderr is not a terminal', () => {
  const stderr = fakeStderr(false);
  const progress = createProgress(stderr.stream, 10);
  progress.update({ done: 10, failed: 0, rate: 1 });
  progress.setTotal(10);
  progress.stop();
  expect(stderr.output()).toBe('');
});

it('says a line over the bar by erasing the bar first: no stale copy of it stays above the line', () => {
  const stderr = fakeStderr(true);
  const progress = createProgress(stderr.stream, 10);
  progress.update({ done: 3, failed: 0, rate: 3 });
  const before = stderr.output().length;
  progress.say('digilocker-revoke: a job failed with network_error; it will be retried');
  const said = stderr.output().slice(before);
  progress.stop();
  // Erase the whole line, back to its start, then the line: the bar is not left on a line of its own.
  expect(said).toBe('\x1b[2K\x1b[1Gdigilocker-revoke: a job failed with network_error; it will be retried\n');
  expect(stderr.output().slice(before + said.length)).toMatch(/3\/10/);
});

it('says a line as it is when there is no bar', () => {
  const stderr = fakeStderr(false);
  createProgress(stderr.stream, 10).say('digilocker-revoke: paused');
  expect(stderr.output()).toBe('digilocker-revoke: paused\n');
});
