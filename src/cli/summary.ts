import type { OutcomeReport } from './outcome';

/** What happened to the tokens of one run: the last line of `--json`, and the human summary. */
export interface Summary {
  /** Tokens read from the input. */
  total: number;
  revoked: number;
  alreadyInvalid: number;
  /** Skipped because the journal says an earlier run revoked them or found them already invalid. */
  skipped: number;
  failed: number;
  /** Failures by error code (`invalid_token`, `server_error`, `invalid_input`, ...). */
  failedByCode: Record<string, number>;
  durationMs: number;
  /** Tokens with an outcome in this run, per second. */
  tokensPerSecond: number;
  /** True when SIGINT or SIGTERM stopped the run before the end of the input. */
  interrupted: boolean;
}

/** Counts outcomes as they arrive. */
export class Tally {
  revoked = 0;
  alreadyInvalid = 0;
  skipped = 0;
  failed = 0;
  readonly failedByCode: Record<string, number> = {};
  /** The first message of each error code, so that the human summary says what went wrong. */
  readonly #firstMessages = new Map<string, string>();
  readonly #startedAt = performance.now();

  /** Tokens with an outcome in this run. */
  get done(): number {
    return this.revoked + this.alreadyInvalid + this.failed;
  }

  /** Tokens with an outcome in this run, per second so far. */
  rate(): number {
    const seconds = (performance.now() - this.#startedAt) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  /** Counts one outcome. */
  add(report: OutcomeReport): void {
    if ('outcome' in report) {
      if (report.outcome === 'revoked') this.revoked++;
      else this.alreadyInvalid++;
      return;
    }
    this.failed++;
    this.failedByCode[report.error] = (this.failedByCode[report.error] ?? 0) + 1;
    if (!this.#firstMessages.has(report.error)) this.#firstMessages.set(report.error, report.message);
  }

  /** The first message seen for each error code. */
  firstMessages(): ReadonlyMap<string, string> {
    return this.#firstMessages;
  }

  /** The summary of the run. */
  summary(interrupted: boolean): Summary {
    return {
      total: this.done + this.skipped,
      revoked: this.revoked,
      alreadyInvalid: this.alreadyInvalid,
      skipped: this.skipped,
      failed: this.failed,
      failedByCode: { ...this.failedByCode },
      durationMs: Math.round(performance.now() - this.#startedAt),
      tokensPerSecond: Math.round(this.rate()),
      interrupted,
    };
  }
}

/** The summary as a few aligned lines, with the first message of each error code. */
export function formatSummary(summary: Summary, firstMessages: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  if (summary.interrupted)
    lines.push('Interrupted: the requests in flight finished; the rest of the input was not read.');
  lines.push(`revoked:           ${summary.revoked}`);
  lines.push(`already invalid:   ${summary.alreadyInvalid}`);
  if (summary.skipped) lines.push(`skipped (journal): ${summary.skipped}`);
  lines.push(`failed:            ${summary.failed}`);
  for (const [code, count] of Object.entries(summary.failedByCode).sort(([a], [b]) => a.localeCompare(b))) {
    const message = firstMessages.get(code);
    lines.push(`  ${code}: ${count}${message ? ` (e.g. ${message})` : ''}`);
  }
  lines.push(
    `duration:          ${(summary.durationMs / 1000).toFixed(1)} s, ${summary.tokensPerSecond} tokens/s`,
  );
  return `${lines.join('\n')}\n`;
}
