import type { Journal } from './journal';
import type { Output } from './output';
import type { Report, SentReport } from './report';
import type { Tally } from './summary';

/**
 * Reports each input once: to the journal first (a final outcome, keyed by the token's SHA-256), then
 * to the tally, then as a `--json` line. Every input gets its line, skipped ones and lines that could
 * not be read as a token included.
 */
export class Reporter {
  readonly #tally: Tally;
  readonly #journal: Journal | undefined;
  readonly #json: Output | undefined;
  readonly #onReport: () => void;

  /** `json` is standard output with `--json`; `onReport` runs after each report (the progress bar). */
  constructor(tally: Tally, journal: Journal | undefined, json: Output | undefined, onReport: () => void) {
    this.#tally = tally;
    this.#journal = journal;
    this.#json = json;
    this.#onReport = onReport;
  }

  /** An input the journal says an earlier run finished. */
  skipped(index: number, sha256: string): Promise<void> {
    return this.#report(index, sha256.slice(0, 12), { outcome: 'skipped' });
  }

  /** A line that cannot be a token: an invalid input, never sent, not journaled (it has no hash). */
  invalidLine(index: number, message: string): Promise<void> {
    return this.#report(index, '', { error: 'invalid_input', message, mayHaveRevoked: false });
  }

  /** The final outcome (or failure) of a token handed to the client. */
  sent(index: number, sha256: string, fingerprint: string, report: SentReport): Promise<void> {
    this.#journal?.recordOutcome(sha256, report);
    return this.#report(index, fingerprint, report);
  }

  async #report(index: number, fingerprint: string, report: Report): Promise<void> {
    this.#tally.add(report);
    this.#onReport();
    await this.#json?.writeLine(JSON.stringify({ index, fingerprint, ...report }));
  }
}
