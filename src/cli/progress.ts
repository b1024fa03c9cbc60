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
  update(counts: ProgressCounts): void;
  /** Sets the total once it is known (after counting the lines of a file). */
  setTotal(total: number): void;
  /** Draws the last state and leaves the line; later calls do nothing. */
  stop(): void;
}

const SILENT: Progress = { update() {}, setTotal() {}, stop() {} };

const WITH_TOTAL =
  'revoking [{bar}] {value}/{total} | {rate} tokens/s | {failed} failed | {duration_formatted}';
const WITHOUT_TOTAL = 'revoking | {value} done | {rate} tokens/s | {failed} failed | {duration_formatted}';

/**
 * A cli-progress bar on `stream` (stderr) when it is a terminal: done/total when the total is known,
 * else done alone; rate and failures. Without a terminal, nothing: no control characters in logs.
 */
export function createProgress(stream: NodeJS.WriteStream, total: number | undefined): Progress {
  if (!stream.isTTY) return SILENT;
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
  return {
    update: ({ done, failed, rate }) => bar.update(done, { rate: Math.round(rate), failed }),
    setTotal(value) {
      totalKnown = true;
      bar.setTotal(value);
    },
    stop: () => bar.stop(),
  };
}
