/**
 * One pause for every instance that works the same queue, kept in a table of the outbox's own (in the
 * schema `<schema>_pause`, beside pg-boss's): one row, at most.
 * - `rate_limited`: a 429 seen by any instance; it ends when its time (the Retry-After, bounded) is up.
 *   A later 429 only makes it longer.
 * - `invalid_client`: DigiLocker refused the credentials; it ends when an operator resumes
 *   (`outbox resume`) or for an instance whose credentials differ (compared by `credentialsId`, a
 *   non-secret fingerprint the caller gives; without one, only a resume ends it).
 * Times come from the database's clock, so that instances whose clocks differ agree.
 */
import type { SqlExecutor } from './store';

/** A pause in effect, as `stats()` and `outbox status` report it. */
export interface OutboxPause {
  reason: 'rate_limited' | 'invalid_client';
  /** When it ends (ISO 8601), for `rate_limited`. */
  until?: string;
  /** When it was set (ISO 8601). */
  since: string;
  /**
   * Whether it holds this instance's workers: always for `rate_limited`; for `invalid_client`, when
   * this instance's `credentialsId` is the one refused (an instance with other credentials sends).
   */
  holdsThisInstance: boolean;
}

/** The pause table of one queue. */
export class ClusterPause {
  readonly #db: SqlExecutor;
  readonly #table: string;
  readonly #credentialsId: string;
  /** The read in flight, which callers meanwhile share. */
  #reading: Promise<OutboxPause | undefined> | undefined;
  /** Whether no other process can write the table (the embedded store: this process holds it). */
  readonly #soleWriter: boolean;
  /** With a sole writer, the last answer read, kept until this instance writes (see `current`). */
  #kept: { pause: OutboxPause | undefined } | undefined;
  /** Writes made by this instance: a read that a write overtook is not kept. */
  #writes = 0;

  constructor(db: SqlExecutor, schema: string, credentialsId: string | undefined, soleWriter = false) {
    this.#db = db;
    this.#table = `${schema}_pause.pause`;
    this.#credentialsId = credentialsId ?? '';
    this.#soleWriter = soleWriter;
  }

  /** Creates the table when missing (idempotent; instances opening together are fine). */
  async create(): Promise<void> {
    const schema = this.#table.split('.')[0];
    await this.#db.executeSql(`DO $$ BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('${this.#table}'));
      CREATE SCHEMA IF NOT EXISTS ${schema};
      CREATE TABLE IF NOT EXISTS ${this.#table} (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        reason text NOT NULL,
        until timestamptz,
        credentials text NOT NULL DEFAULT '',
        since timestamptz NOT NULL DEFAULT now());
    END $$`);
  }

  /**
   * The pause in effect for this instance, if any: what the workers obey. A pause for credentials
   * other than this instance's is not one (see {@link inEffect}).
   */
  async current(): Promise<OutboxPause | undefined> {
    const pause = await this.inEffect();
    return pause?.holdsThisInstance ? pause : undefined;
  }

  /**
   * The pause in effect on the queue, if any, whoever it holds (`holdsThisInstance` says whether this
   * instance): what `stats()` and `outbox status` show, so that an instance opened without the
   * refused `credentialsId` (an operator's) still sees an `invalid_client` pause and its reason.
   * Callers while a read is in flight share it: each still sees the table as it was at most one
   * statement earlier, and concurrent workers cost one statement instead of one each. With a sole
   * writer, the answer can only change when this instance writes or a `rate_limited` pause's time is
   * up (the database's clock is this machine's), so it is kept until then and a request costs no
   * statement.
   */
  inEffect(): Promise<OutboxPause | undefined> {
    const kept = this.#kept;
    if (kept && !isOver(kept.pause)) return Promise.resolve(kept.pause);
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(): Promise<OutboxPause | undefined> {
    const writes = this.#writes;
    const pause = await this.#select();
    if (this.#soleWriter && writes === this.#writes) this.#kept = { pause };
    return pause;
  }

  async #select(): Promise<OutboxPause | undefined> {
    const { rows } = await this.#db.executeSql(
      `SELECT reason, until, since, (reason = 'rate_limited' OR credentials = $1) AS holds
       FROM ${this.#table}
       WHERE (reason = 'rate_limited' AND until > now()) OR reason = 'invalid_client'`,
      [this.#credentialsId],
    );
    const row = rows[0] as
      | { reason: OutboxPause['reason']; until: Date | number | null; since: Date | number; holds: boolean }
      | undefined;
    if (!row) return undefined;
    // A time no Date can hold ('infinity' or a year past 275760, written by hand) reads as none: a pause
    // with no end, since now.
    const until = isoTimeOf(row.until);
    return {
      reason: row.reason,
      since: isoTimeOf(row.since) ?? new Date().toISOString(),
      ...(until ? { until } : {}),
      holdsThisInstance: row.holds,
    };
  }

  /** Pauses every instance for `ms` (a 429); a pause already longer, or for credentials, is kept. */
  async rateLimited(ms: number): Promise<void> {
    await this.#write(
      `INSERT INTO ${this.#table} AS p (reason, until) VALUES ('rate_limited', now() + $1 * interval '1 millisecond')
       ON CONFLICT (one) DO UPDATE SET reason = 'rate_limited', until = excluded.until, since = now()
       WHERE p.reason = 'rate_limited' AND (p.until IS NULL OR p.until < excluded.until)
          OR p.reason = 'invalid_client' AND p.credentials <> $2`,
      [ms, this.#credentialsId],
    );
  }

  /** Pauses every instance with these credentials until an operator resumes (`invalid_client`). */
  async credentialsRefused(): Promise<void> {
    await this.#write(
      `INSERT INTO ${this.#table} (reason, credentials) VALUES ('invalid_client', $1)
       ON CONFLICT (one) DO UPDATE SET reason = 'invalid_client', until = NULL, credentials = $1, since = now()`,
      [this.#credentialsId],
    );
  }

  /** Ends any pause; resolves with whether there was one. */
  async resume(): Promise<boolean> {
    const { rows } = await this.#write(
      `WITH gone AS (DELETE FROM ${this.#table} RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /**
   * Runs a statement that changes the pause. The answer kept is forgotten before it (a look meanwhile
   * reads the table, where the write is queued ahead of it) and after it (a read it overtook is not
   * kept; see `current`).
   */
  async #write(text: string, values?: unknown[]): ReturnType<SqlExecutor['executeSql']> {
    this.#forget();
    try {
      return await this.#db.executeSql(text, values);
    } finally {
      this.#forget();
    }
  }

  #forget(): void {
    this.#writes++;
    this.#kept = undefined;
  }
}

/** A time of the database as ISO 8601, or undefined for none or one a Date cannot hold. */
function isoTimeOf(value: Date | number | string | null): string | undefined {
  if (value === null) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** Whether a kept `rate_limited` pause's time is up (on this machine's clock, the embedded store's). */
function isOver(pause: OutboxPause | undefined): boolean {
  return pause?.until !== undefined && Date.parse(pause.until) <= Date.now();
}
