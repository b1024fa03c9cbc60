/**
 * The few statements the outbox runs on pg-boss's job table besides pg-boss's own API (pinned to
 * pg-boss 10, whose table this is): completing jobs and replacing their payload in one statement (so
 * that no completed or archived copy ever holds ciphertext, and many jobs share one commit), failing
 * a job for a retry after the outbox's own delay (pg-boss 10 has no cap on its own backoff), and counts.
 */
import type { FinishedPayload } from './payload';
import type { Queue } from './queue';
import { NO_RETRY_LIMIT } from './queue';

/**
 * Completes running jobs as pg-boss's `complete` does (state, completed_on, output), replacing each
 * one's payload with its outcome in the same statement: the ciphertext is gone as the job ends.
 * The ids are also given as an array (`id = ANY($3)`), so that the jobs are found through the primary
 * key: joined only to the recordset, the planner (which counts no running job after a bulk enqueue)
 * read the whole partition at each batch, 2.6 ms for 10 jobs with 4,000 rows, against 0.3 ms.
 */
export async function completeJobs(
  queue: Queue,
  jobs: readonly { id: string; data: FinishedPayload }[],
): Promise<void> {
  await queue.db.executeSql(
    `UPDATE ${queue.jobTable} AS j
       SET data = v.data, state = 'completed', completed_on = now(),
           output = jsonb_build_object('outcome', v.data->'outcome')
     FROM jsonb_to_recordset($2::jsonb) AS v(id uuid, data jsonb)
     WHERE j.name = $1 AND j.id = ANY($3::uuid[]) AND j.id = v.id AND j.state = 'active'`,
    [queue.name, JSON.stringify(jobs), jobs.map((job) => job.id)],
  );
}

/**
 * Fails a running job for a later attempt, in one statement: what pg-boss's `fail` does to a job with
 * retries left (state `retry`, `output` `{ code }`), with the job's next attempt due after
 * `delaySeconds`, written into `start_after` itself. `retry_delay` stays 0, so that a job that pg-boss
 * fails later on our behalf (its process died: expired after `jobTimeoutSeconds`, or an orphan found
 * at open) is due again at once, not after this job's last backoff. Records the attempts charged so
 * far (`n`), the runs given back uncharged (`r`: refused credentials, a key this instance lacks):
 * together, the runs whose end was recorded; and `rv`, whether an earlier attempt revoked a token.
 */
export async function scheduleRetry(
  queue: Queue,
  id: string,
  delaySeconds: number,
  recorded: { n: number; r: number; rv: boolean },
  code: string,
): Promise<void> {
  await queue.db.executeSql(
    `UPDATE ${queue.jobTable}
       SET state = 'retry', start_after = now() + $3 * interval '1 second', retry_delay = 0,
           retry_backoff = false, output = jsonb_build_object('code', $7::text),
           data = data || jsonb_build_object('n', $4::int, 'r', $5::int, 'rv', $6::boolean)
     WHERE name = $1 AND id = $2 AND state = 'active'`,
    [queue.name, id, delaySeconds, recorded.n, recorded.r, recorded.rv, code],
  );
}

/**
 * Puts jobs marked running, whose process died, back in the queue due at once (pg-boss's `fail`, with
 * their retry delay reset first: it would otherwise make them wait for their last backoff).
 */
export async function requeueRunningJobs(queue: Queue, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await queue.db.executeSql(
    `UPDATE ${queue.jobTable} SET retry_delay = 0, retry_backoff = false
     WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'active'`,
    [queue.name, ids],
  );
  await queue.boss.fail(queue.name, [...ids]);
}

/**
 * Gives fetched jobs that were never started back to the queue (queued again, due at once), in one
 * statement. Their next fetch counts a run (`retry_count`, as started_on is set), so each one's `r`
 * (runs given back uncharged) goes up with it: no attempt is charged, and no lost run is assumed.
 */
export async function releaseJobs(queue: Queue, ids: readonly string[]): Promise<void> {
  await queue.db.executeSql(
    `UPDATE ${queue.jobTable}
       SET state = 'created', start_after = now(),
           data = CASE WHEN jsonb_typeof(data) = 'object'
             THEN data || jsonb_build_object('r', COALESCE((data->>'r')::int, 0) + 1) ELSE data END
     WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'active'`,
    [queue.name, ids],
  );
}

/** Makes pg-boss's next `fail` of this running job final (its dead state), keeping its payload. */
export async function makeNextFailureFinal(queue: Queue, id: string, charged: number): Promise<void> {
  await queue.db.executeSql(
    `UPDATE ${queue.jobTable} SET retry_limit = retry_count, data = jsonb_set(data, '{n}', to_jsonb($3::int))
     WHERE name = $1 AND id = $2 AND state = 'active'`,
    [queue.name, id, charged],
  );
}

/** The ids of the jobs marked running (embedded store: none can be, when this process just opened it). */
export async function runningJobIds(queue: Queue): Promise<string[]> {
  const { rows } = await queue.db.executeSql(
    `SELECT id FROM ${queue.jobTable} WHERE name = $1 AND state = 'active'`,
    [queue.name],
  );
  return rows.map((row: { id: string }) => row.id);
}

/** How many jobs holding ciphertext each key id encrypted. */
export async function jobsByKeyId(queue: Queue): Promise<Map<string, number>> {
  const { rows } = await queue.db.executeSql(
    `SELECT data->>'k' AS k, count(*)::int AS n FROM ${queue.jobTable}
     WHERE name = $1 AND data ? 'ct' GROUP BY 1`,
    [queue.name],
  );
  return new Map(rows.map((row: { k: string; n: number }) => [row.k, Number(row.n)]));
}

/** Jobs not ended, and when the next scheduled one is due. */
export async function pendingSummary(queue: Queue): Promise<{ waiting: number; running: number }> {
  const { rows } = await queue.db.executeSql(
    `SELECT count(*) FILTER (WHERE state < 'active')::int AS waiting,
            count(*) FILTER (WHERE state = 'active')::int AS running
     FROM ${queue.jobTable} WHERE name = $1`,
    [queue.name],
  );
  const row = rows[0] ?? {};
  return { waiting: Number(row.waiting ?? 0), running: Number(row.running ?? 0) };
}

/** Counts of jobs by pg-boss state and outcome. */
export async function countJobs(
  queue: Queue,
): Promise<{ state: string; outcome: string | null; n: number }[]> {
  const { rows } = await queue.db.executeSql(
    `SELECT state::text AS state, data->>'outcome' AS outcome, count(*)::int AS n
       FROM ${queue.jobTable} WHERE name = $1 GROUP BY 1, 2`,
    [queue.name],
  );
  return rows.map((row: { state: string; outcome: string | null; n: number }) => ({
    ...row,
    n: Number(row.n),
  }));
}

/** Puts dead jobs back in the queue, retried until their expiry again; returns how many. */
export async function retryDeadJobs(queue: Queue): Promise<number> {
  const { rows } = await queue.db.executeSql(
    `WITH moved AS (
       UPDATE ${queue.jobTable} SET state = 'retry', retry_limit = $2, retry_delay = 0, start_after = now(),
         completed_on = NULL
       WHERE name = $1 AND state = 'failed' RETURNING 1)
     SELECT count(*)::int AS n FROM moved`,
    [queue.name, NO_RETRY_LIMIT],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Deletes dead jobs, their ciphertext with them; returns how many. */
export async function deleteDeadJobs(queue: Queue): Promise<number> {
  const { rows } = await queue.db.executeSql(
    `WITH gone AS (DELETE FROM ${queue.jobTable} WHERE name = $1 AND state = 'failed' RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [queue.name],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Embedded store, at close: rewrites the job tables (the old versions of ended jobs' rows,
 * which held their ciphertext, leave the table files), then moves to a new write-ahead log segment
 * and checkpoints with recycling off, so that the segments that recorded them are deleted.
 */
export async function compactTables(queue: Queue): Promise<void> {
  await queue.db.executeSql(`VACUUM FULL ${queue.jobTable}`);
  await queue.db.executeSql('SET wal_recycle = off');
  for (let round = 0; round < 2; round++) {
    await queue.db.executeSql('SELECT pg_switch_wal()');
    await queue.db.executeSql('CHECKPOINT');
  }
}
