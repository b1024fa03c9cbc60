import { clearLine, cursorTo, moveCursor } from 'node:readline';
// A default import: Node's ESM loader cannot see `Format` among cli-progress's CommonJS exports.
import cliProgress, { type Options, type Params } from 'cli-progress';

/** What the progress display shows. */
export interface ProgressCounts {
  /** Tokens with an outcome, skipped ones included. */
  done: number;
  failed: number;
  /** Tokens per second. */
  rate: number;
}

/** The progress display of a run. */
export interface Progress {
  /** True when a bar is drawn (or was, before `stop()`). */
  readonly active: boolean;
  update(counts: ProgressCounts): void;
  /** Sets the total once it is known (after counting the lines of a file). */
  setTotal(total: number): void;
  /**
   * Writes `line` and a newline to the stream. Over a bar, the line takes the bar's place and the bar
   * draws again at once below it: no stale copy of the bar stays above the line, and what `stop()` and
   * the summary after it write goes below the bar, not over the lines said.
   */
  say(line: string): void;
  /** Draws the last state and leaves the line; later calls do nothing. */
  stop(): void;
}

/** No bar: {@link Progress.say} writes to `stream` and the rest does nothing. */
function silent(stream: NodeJS.WriteStream): Progress {
  return { active: false, update() {}, setTotal() {}, say: (line) => stream.write(`${line}\n`), stop() {} };
}

const WITH_TOTAL =
  'revoking [{bar}] {value}/{total} | {rate} tokens/s | {failed} failed | {duration_formatted}';
const WITHOUT_TOTAL = 'revoking | {value} done | {rate} tokens/s | {failed} failed | {duration_formatted}';

/** Whether a bar may be drawn on `stream`. */
export interface ProgressPlace {
  /** The TERM of the environment: `dumb` is a terminal that cannot move its cursor. */
  term?: string | undefined;
  /** True when the tokens are typed on the same terminal: a bar would draw over them. */
  inputOnTerminal?: boolean;
}

/**
 * A cli-progress bar on `stream` (stderr) when it is a terminal that can move its cursor and the user
 * is not typing tokens on it: done/total when the total is known, else done alone; rate and failures.
 * Otherwise nothing: no control characters in logs or on a dumb terminal. After `stop()` the bar never
 * draws again, so that what is written below it stays as it is.
 */
export function createProgress(
  stream: NodeJS.WriteStream,
  total: number | undefined,
  place: ProgressPlace = {},
): Progress {
  if (!stream.isTTY || place.term === 'dumb' || place.inputOnTerminal) return silent(stream);
  let totalKnown = total !== undefined;
  // What the bar shows, to start it again with after a line said.
  let shown = { done: 0, rate: 0, failed: 0 };
  const bar = barOn(stream, Date.now(), () => totalKnown);
  bar.start(total ?? 0, 0, { rate: 0, failed: 0 });
  let stopped = false;
  return {
    active: true,
    update({ done, failed, rate }) {
      if (stopped) return;
      shown = { done, rate: Math.round(rate), failed };
      bar.update(done, { rate: shown.rate, failed });
    },
    setTotal(value) {
      if (stopped) return;
      totalKnown = true;
      bar.setTotal(value);
    },
    say(line) {
      if (stopped) {
        stream.write(`${line}\n`);
        return;
      }
      // cli-progress saves the cursor where the bar starts (ESC 7) and its stop() restores it (ESC 8)
      // before leaving the line. Lines written while the bar runs push the bar down, but its stop()
      // would still go back up to where it first was, and the summary written next would overwrite
      // the lines said. So the bar is stopped (back on its line, then a newline), its line erased,
      // the line written in its place, and a bar started again below it: that one saves the cursor
      // there, and draws at once.
      bar.stop();
      moveCursor(stream, 0, -1);
      clearLine(stream, 0);
      cursorTo(stream, 0);
      stream.write(`${line}\n`);
      bar.start(bar.getTotal(), shown.done, { rate: shown.rate, failed: shown.failed });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/**
 * A cli-progress bar on `stream`. The total may arrive later, so the format is chosen at each redraw.
 * The elapsed time is counted from `startedAt`: say() starts the bar again, which restarts
 * cli-progress's own clock, and the time shown must not fall back to 0s at each line said.
 */
function barOn(stream: NodeJS.WriteStream, startedAt: number, totalKnown: () => boolean) {
  return new cliProgress.SingleBar({
    stream,
    format: (options: Options, params: Params, payload: unknown) =>
      cliProgress.Format.Formatter(
        { ...options, format: totalKnown() ? WITH_TOTAL : WITHOUT_TOTAL },
        { ...params, startTime: startedAt },
        payload,
      ),
    hideCursor: true,
    clearOnComplete: false,
    // The CLI handles SIGINT itself: finishing in flight, then a summary below the bar.
    gracefulExit: false,
    fps: 10,
    barsize: 30,
  });
}
