/**
 * What the outbox asks of pg-boss's jobs beyond work(), complete and fail. Statements of our own on
 * pg-boss's job table, where pg-boss 12 has no API for them (docs/outbox.md lists them all):
 * - {@link wipePayloads}: replacing the payloads of the running jobs of a batch as they end (pg-boss's
 *   `update` edits only jobs not yet running, and `complete` keeps the payload), so that no ended job
 *   holds ciphertext;
 * - {@link countJobs}, read-only: counts by state and outcome, for `stats()`, the end of `drain()` and
 *   the embedded store's open (pg-boss's queue counts are a cache refreshed by its monitor, and know
 *   no outcome);
 * - {@link compactTables}, embedded store only, at close: `VACUUM FULL` of the job table.
 * Everything else goes through pg-boss's public API.
 */
import type { JobWithMetadata } from 'pg-boss';
import type { FinishedPayload } from './payload';
import type { Queue } from './queue';

/**
 * Replaces the payloads of jobs this instance is running with what may be kept once they end (no
 * ciphertext), in one statement. Run before pg-boss is told the jobs ended: a process that dies in
 * between leaves jobs whose payload says they ended, which the next run completes without a request.
 */
export async function wipePayloads(
  queue: Queue,
  ended: readonly { id: string; data: FinishedPayload }[],
): Promise<void> {
  if (ended.length === 0) return;
  await queue.db.executeSql(
    `UPDATE ${queue.jobTable} AS job SET data = ended.data
       FROM jsonb_to_recordset($2::jsonb) AS ended(id uuid, data jsonb)
      WHERE job.name = $1 AND job.id = ended.id AND job.state = 'active'`,
    [queue.name, JSON.stringify(ended)],
  );
}

/**
 * Counts of the queue's jobs by pg-boss state and outcome (read-only). With `unended`, only the jobs
 * waiting, running or dead (not completed or cancelled), which pg-boss indexes: that count does not
 * grow with the ended jobs it keeps, for the checks that run often (a drain's end) or at every open.
 */
export async function countJobs(
  queue: Queue,
  only?: 'unended',
): Promise<{ state: string; outcome: string | null; n: number }[]> {
  const { rows } = await queue.db.executeSql(
    `SELECT state::text AS state, data->>'outcome' AS outcome, count(*)::int AS n
       FROM ${queue.jobTable} WHERE name = $1
       ${only === 'unended' ? "AND state IN ('created', 'retry', 'active', 'failed')" : ''} GROUP BY 1, 2`,
    [queue.name],
  );
  return rows.map((row: { state: string; outcome: string | null; n: number }) => ({
    ...row,
    n: Number(row.n),
  }));
}

/**
 * The queue's jobs in `states`, through pg-boss's `findJobs`, page by page. pg-boss filters the
 * jobs not yet fetched (`queued`: created and retry) itself; for any other state every job is read,
 * the ended ones too. For operator actions, the open of the embedded store and a drain's key check,
 * not for every job. A caller that stops early can ask for small pages (`pageSize`).
 */
export async function* eachJobIn(
  queue: Queue,
  states: readonly JobWithMetadata['state'][],
  pageSize = PAGE,
): AsyncGenerator<JobWithMetadata<unknown>> {
  const queued = states.every((state) => state === 'created' || state === 'retry');
  let after: string | undefined;
  for (;;) {
    const page = await queue.boss.findJobs<unknown>(queue.name, {
      limit: pageSize,
      queued,
      ...(after === undefined ? {} : { after }),
    });
    for (const job of page) if (states.includes(job.state)) yield job;
    if (page.length < pageSize) return;
    after = page[page.length - 1]?.id;
  }
}

/** Every job of {@link eachJobIn}, in an array. */
export async function jobsIn(
  queue: Queue,
  states: readonly JobWithMetadata['state'][],
): Promise<JobWithMetadata<unknown>[]> {
  const found: JobWithMetadata<unknown>[] = [];
  for await (const job of eachJobIn(queue, states)) found.push(job);
  return found;
}

/**
 * Few pages: pg-boss refuses a page whose `after` job was deleted meanwhile (its maintenance deletes
 * ended jobs), and a walk over every state pages through the ended ones.
 */
const PAGE = 10_000;

/**
 * Embedded only (one process holds the directory): a running job was left by a process that died.
 * pg-boss's `fail` records that its run may have revoked a token, then `update` makes it due now.
 * The count comes first so that a store closed cleanly (none running) reads no job's row here.
 */
export async function requeueOrphans(queue: Queue): Promise<void> {
  if (!(await countJobs(queue, 'unended')).some(({ state }) => state === 'active')) return;
  const ids = (await jobsIn(queue, ['active'])).map((job) => job.id);
  if (ids.length === 0) return;
  await queue.boss.fail(queue.name, ids, { code: 'process_died', rv: true });
  for (const id of ids) await queue.boss.update(queue.name, undefined, { id, startAfter: new Date() });
}

/** Puts dead jobs back in the queue (pg-boss's `retry`); resolves with how many. */
export async function retryDeadJobs(queue: Queue): Promise<number> {
  const ids = (await jobsIn(queue, ['failed'])).map((job) => job.id);
  if (ids.length === 0) return 0;
  return affected(await queue.boss.retry(queue.name, ids));
}

/** Deletes dead jobs, their ciphertext with them (pg-boss's `deleteJob`); resolves with how many. */
export async function deleteDeadJobs(queue: Queue): Promise<number> {
  const ids = (await jobsIn(queue, ['failed'])).map((job) => job.id);
  if (ids.length === 0) return 0;
  return affected(await queue.boss.deleteJob(queue.name, ids));
}

/**
 * Embedded store, at close: rewrites the job table (the old versions of ended jobs' rows, which held
 * their ciphertext, leave the table files), then moves to a new write-ahead log segment and
 * checkpoints with recycling off, so that the segments that recorded them are deleted.
 */
export async function compactTables(queue: Queue): Promise<void> {
  await queue.db.executeSql(`VACUUM FULL ${queue.jobTable}`);
  await queue.db.executeSql('SET wal_recycle = off');
  for (let round = 0; round < 2; round++) {
    await queue.db.executeSql('SELECT pg_switch_wal()');
    await queue.db.executeSql('CHECKPOINT');
  }
}

/** How many jobs a pg-boss command changed (its declared type leaves the count out). */
export function affected(response: object): number {
  return Number((response as { affected?: unknown }).affected ?? 0);
}
