import { clearLine, cursorTo } from 'node:readline';
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
   * Writes `line` and a newline to the stream. Over a bar, the bar's line is erased first, so that no
   * stale copy of it stays above the line; the bar draws again below at its next change.
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
  const bar = new cliProgress.SingleBar({
    stream,
    // The total may arrive later, so the format is chosen at each redraw.
    format: (options: Options, params: Params, payload: unknown) =>
      cliProgress.Format.Formatter(
        { ...options, format: totalKnown ? WITH_TOTAL : WITHOUT_TOTAL },
        params,
        payload,
      ),
    hideCursor: true,
    clearOnComplete: false,
    // The CLI handles SIGINT itself: finishing in flight, then a summary below the bar.
    gracefulExit: false,
    fps: 10,
    barsize: 30,
  });
  bar.start(total ?? 0, 0, { rate: 0, failed: 0 });
  let stopped = false;
  return {
    active: true,
    update({ done, failed, rate }) {
      if (!stopped) bar.update(done, { rate: Math.round(rate), failed });
    },
    setTotal(value) {
      if (stopped) return;
      totalKnown = true;
      bar.setTotal(value);
    },
    say(line) {
      if (!stopped) {
        clearLine(stream, 0);
        cursorTo(stream, 0);
      }
      stream.write(`${line}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
