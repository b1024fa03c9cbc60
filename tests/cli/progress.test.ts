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

/**
 * The lines a terminal shows after `output`, on a screen that is not full (nothing scrolls). It reads
 * only what cli-progress and readline write here: text, CR, LF (the terminal's driver makes it CR LF),
 * ESC 7 / ESC 8 (save / restore the cursor), ESC[<n>A (up), ESC[<n>G (to column n), ESC[2K (erase the
 * line), ESC[K / ESC[0K (erase to its end), and the cursor's and line wrapping's modes (ignored).
 * Any other escape sequence fails the test rather than being drawn wrong.
 */
function screen(output: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  let saved = { row: 0, col: 0 };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control sequences are what is read.
  const token = /\x1b7|\x1b8|\x1b\[\?(?:25|7)[hl]|\x1b\[(\d*)([AGK])|\r|\n|[^\x1b\r\n]+|\x1b/gy;
  for (const [seq, n, op] of output.matchAll(token)) {
    const line = lines[row] ?? '';
    if (seq === '\x1b7') saved = { row, col };
    else if (seq === '\x1b8') ({ row, col } = saved);
    else if (seq.startsWith('\x1b[?')) continue;
    else if (op === 'A') row = Math.max(0, row - Number(n || 1));
    else if (op === 'G') col = Number(n || 1) - 1;
    else if (op === 'K' && n === '2') lines[row] = '';
    else if (op === 'K' && (n === '' || n === '0')) lines[row] = line.slice(0, col);
    else if (seq === '\r') col = 0;
    else if (seq === '\n') {
      row++;
      col = 0;
    } else if (seq.startsWith('\x1b') || op) throw new Error(`not modelled: ${JSON.stringify(seq)}`);
    else {
      lines[row] = line.padEnd(col).slice(0, col) + seq + line.slice(col + seq.length);
      col += seq.length;
    }
    while (lines.length <= row) lines.push('');
  }
  while (lines.at(-1) === '') lines.pop();
  return lines;
}

const LAST_BAR = /^revoking \[[^\]]+\] 3\/10 \| 3 tokens\/s \| 0 failed \| \d+s$/;

it('keeps the lines said above the bar, and the summary written after stop() below it', () => {
  const stderr = fakeStderr(true);
  const progress = createProgress(stderr.stream, 10);
  progress.update({ done: 3, failed: 0, rate: 3 });
  progress.say('message 1');
  progress.say('message 2');
  progress.stop();
  stderr.stream.write('summary\n');
  // No copy of the bar above the lines said, none of them overwritten by the summary.
  expect(screen(stderr.output())).toEqual([
    'message 1',
    'message 2',
    expect.stringMatching(LAST_BAR),
    'summary',
  ]);
});

it('draws the bar again below a line said at once, with the same counts', () => {
  const stderr = fakeStderr(true);
  const progress = createProgress(stderr.stream, 10);
  progress.update({ done: 3, failed: 0, rate: 3 });
  progress.say('message 1');
  const said = screen(stderr.output());
  progress.stop();
  expect(said).toEqual(['message 1', expect.stringMatching(LAST_BAR)]);
});

it('counts the elapsed time from the start of the run, not from the last line said', () => {
  jest.useFakeTimers();
  try {
    const stderr = fakeStderr(true);
    const progress = createProgress(stderr.stream, 10);
    jest.advanceTimersByTime(5_000);
    progress.say('message 1');
    jest.advanceTimersByTime(2_000);
    progress.stop();
    expect(screen(stderr.output()).at(-1)).toMatch(/ \| 7s$/);
  } finally {
    jest.useRealTimers();
  }
});

it('says a line as it is when there is no bar', () => {
  const stderr = fakeStderr(false);
  createProgress(stderr.stream, 10).say('digilocker-revoke: paused');
  expect(stderr.output()).toBe('digilocker-revoke: paused\n');
});
