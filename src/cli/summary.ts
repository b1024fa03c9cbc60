import { DEFAULTS, RateLimitedError, type RevocationOutcome } from '../index';
import { formatSeconds } from './messages';
import type { Report } from './report';

/** What happened to the tokens of one run: the last line of `--json`, and the human summary. */
export interface Summary {
  /** Inputs read, skipped ones included. */
  total: number;
  /** Revoked, as DigiLocker confirmed. */
  revoked: number;
  /**
   * Reported revoked without DigiLocker's confirmation: it called the token invalid after a sending
   * that may have revoked it (a lost answer, another copy, an earlier run). Never counted in `revoked`.
   */
  revokedUnconfirmed: number;
  alreadyInvalid: number;
  /**
   * Skipped because the journal says an earlier run revoked them or found them already invalid, or
   * (with a journal) an earlier copy of the same token in this run did.
   */
  skipped: number;
  failed: number;
  /** Failures by error code (`invalid_token`, `server_error`, `invalid_input`, `stopped`, ...). */
  failedByCode: Record<string, number>;
  /** Whole milliseconds. */
  durationMs: number;
  /** Tokens with an outcome in this run, per second, rounded; 0 when none. */
  tokensPerSecond: number;
  /** True when a signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) stopped the run before the end of the input. */
  interrupted: boolean;
  /** Why the run stopped before the end of its input, other than a signal (one line). */
  stopped?: string;
  /** The longest wait DigiLocker asked for (Retry-After) that was longer than the CLI waits. */
  retryAfterMs?: number;
}

/** Counts outcomes as they arrive. */
export class Tally {
  revoked = 0;
  revokedUnconfirmed = 0;
  alreadyInvalid = 0;
  skipped = 0;
  failed = 0;
  readonly failedByCode: Record<string, number> = {};
  /** The first message of each error code, so that the human summary says what went wrong. */
  readonly #firstMessages = new Map<string, string>();
  readonly #startedAt = performance.now();
  #refusedWaitMs = 0;
  #refusedWaits = 0;

  /** Tokens with an outcome in this run. */
  get done(): number {
    return this.revoked + this.revokedUnconfirmed + this.alreadyInvalid + this.failed;
  }

  /** Tokens with an outcome in this run, per second so far. */
  rate(): number {
    const seconds = (performance.now() - this.#startedAt) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  /** Counts one report. */
  add(report: Report): void {
    if ('outcome' in report) {
      if (report.outcome === 'revoked') {
        if (report.confirmed) this.revoked++;
        else this.revokedUnconfirmed++;
      } else if (report.outcome === 'already_invalid') this.alreadyInvalid++;
      else this.skipped++;
      return;
    }
    this.failed++;
    this.failedByCode[report.error] = (this.failedByCode[report.error] ?? 0) + 1;
    if (!this.#firstMessages.has(report.error)) this.#firstMessages.set(report.error, report.message);
  }

  /**
   * Notes a rate-limited failure whose Retry-After was longer than the CLI waits: the call gave up at
   * once (before its last attempt), or the wait alone exceeds a call's whole time budget.
   */
  noteRateLimit(outcome: RevocationOutcome): void {
    if (outcome.ok || !(outcome.error instanceof RateLimitedError)) return;
    const { retryAfterMs, attempts } = outcome.error;
    if (retryAfterMs === undefined) return;
    if (attempts >= DEFAULTS.maxAttempts && retryAfterMs < DEFAULTS.maxElapsedMs) return;
    this.#refusedWaitMs = Math.max(this.#refusedWaitMs, retryAfterMs);
    this.#refusedWaits++;
  }

  /** The first message seen for each error code. */
  firstMessages(): ReadonlyMap<string, string> {
    return this.#firstMessages;
  }

  /** The summary of the run. */
  summary(interrupted: boolean, stopped?: string): Summary {
    const summary: Summary = {
      total: this.done + this.skipped,
      revoked: this.revoked,
      revokedUnconfirmed: this.revokedUnconfirmed,
      alreadyInvalid: this.alreadyInvalid,
      skipped: this.skipped,
      failed: this.failed,
      failedByCode: { ...this.failedByCode },
      durationMs: Math.round(performance.now() - this.#startedAt),
      tokensPerSecond: this.done > 0 ? Math.round(this.rate()) : 0,
      interrupted,
    };
    if (stopped !== undefined) summary.stopped = stopped;
    if (this.#refusedWaits > 0) summary.retryAfterMs = this.#refusedWaitMs;
    return summary;
  }

  /** How many tokens failed because DigiLocker asked for a wait longer than the CLI's. */
  get refusedWaits(): number {
    return this.#refusedWaits;
  }
}

/** The summary as a few aligned lines, with the first message of each error code. */
export function formatSummary(summary: Summary, tally: Tally): string {
  const lines: string[] = [];
  if (summary.interrupted)
    lines.push('Interrupted: the requests in flight finished; the rest of the input was not read.');
  if (summary.stopped) lines.push(`Stopped early (${summary.stopped}): the rest of the input was not read.`);
  lines.push(`revoked:           ${summary.revoked}`);
  if (summary.revokedUnconfirmed) lines.push(unconfirmedLine(summary.revokedUnconfirmed));
  lines.push(`already invalid:   ${summary.alreadyInvalid}`);
  if (summary.skipped) lines.push(`skipped (journal): ${summary.skipped}`);
  lines.push(`failed:            ${summary.failed}`);
  const messages = tally.firstMessages();
  for (const [code, count] of Object.entries(summary.failedByCode).sort(([a], [b]) => a.localeCompare(b))) {
    const message = messages.get(code);
    lines.push(`  ${code}: ${count}${message ? ` (e.g. ${message})` : ''}`);
  }
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const sent = summary.total > summary.skipped ? `${summary.tokensPerSecond} tokens/s` : 'nothing sent';
  lines.push(`duration:          ${seconds} s, ${sent}`);
  if (summary.retryAfterMs !== undefined)
    lines.push(refusedWaitLine(summary.retryAfterMs, tally.refusedWaits));
  return `${lines.join('\n')}\n`;
}

/** Apart from the confirmed ones, with what the word means. */
function unconfirmedLine(count: number): string {
  return (
    `unconfirmed:       ${count} (reported revoked, not confirmed: DigiLocker answered invalid_token ` +
    'after an earlier sending that may have revoked the token)'
  );
}

/** DigiLocker's wait, and when to rerun. */
function refusedWaitLine(retryAfterMs: number, tokens: number): string {
  return (
    `DigiLocker asked to wait ${formatSeconds(retryAfterMs)} before the next request, longer than what ` +
    `was left of a token's ${formatSeconds(DEFAULTS.maxElapsedMs)} budget: ${tokens} ${tokens === 1 ? 'token was' : 'tokens were'} ` +
    `not revoked; ${whenToRerun(retryAfterMs)}.`
  );
}

/**
 * When the wait ends: the time (UTC) when it is today, the date and time when later, and a phrase when
 * past the year 9999 or later than a Date can hold (a Retry-After of billions of seconds).
 */
function whenToRerun(retryAfterMs: number): string {
  const now = new Date();
  const after = new Date(now.getTime() + retryAfterMs);
  if (Number.isNaN(after.getTime()) || after.getUTCFullYear() > 9999)
    return 'the wait ends beyond any calendar date (past the year 9999): ask DigiLocker when to rerun';
  const [date, time] = after.toISOString().split('T') as [string, string];
  const sameDay = date === now.toISOString().slice(0, 10);
  return `rerun after ${sameDay ? '' : `${date} `}${time.slice(0, 8)} UTC`;
}
