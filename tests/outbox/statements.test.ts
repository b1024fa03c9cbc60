// The outbox's own statements on pg-boss's job table (src/outbox/jobs.ts), on a real PostgreSQL
// server: how the planner runs them on a queue shaped as after a bulk enqueue.
import pg from 'pg';
import { openRevocationOutbox } from '../../src/outbox';
import { countJobs, wipePayloads } from '../../src/outbox/jobs';
import {
  decodePayload,
  finishedPayload,
  type PendingJob,
  type PendingPayload,
} from '../../src/outbox/payload';
import type { Queue } from '../../src/outbox/queue';
import { DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

describeWithPostgres("the outbox's statements on PostgreSQL", () => {
  let pool: pg.Pool;
  let schema: string;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(() => pool.end());
  beforeEach(() => {
    schema = uniqueSchema('stmt');
  });
  afterEach(() => pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));

  /**
   * 4,000 jobs queued in bulk (statistics refreshed: none running), then `running` of them marked
   * running. (With a few hundred, reading the whole partition is the cheaper plan, and cheap.)
   */
  async function queueAfterBulkEnqueue(running: number): Promise<{ id: string; data: PendingPayload }[]> {
    const outbox = await openRevocationOutbox({
      store: { connectionString: DATABASE_URL as string, maxConnections: 2 },
      encryptionKeys: [KEY],
      schema,
    });
    for (let batch = 0; batch < 4; batch++)
      await outbox.enqueueBatch(
        Array.from({ length: 1000 }, (_, i) => ({ refreshToken: `rt-${batch}-${i}-${schema}` })),
      );
    await outbox.close();
    const { rows } = await pool.query(
      `UPDATE ${schema}.job SET state = 'active', started_on = now()
       WHERE id IN (SELECT id FROM ${schema}.job ORDER BY created_on, id LIMIT $1) RETURNING id, data`,
      [running],
    );
    return rows;
  }

  /** The plan of each statement `run` sends through the queue's executor (EXPLAIN: nothing changes). */
  async function plansOf(run: (queue: Queue) => Promise<void>): Promise<string[]> {
    const plans: string[] = [];
    const queue = {
      name: 'digilocker-revocation',
      jobTable: `${schema}.job`,
      db: {
        executeSql: async (text: string, values?: unknown[]) => {
          const { rows } = await pool.query(`EXPLAIN ${text}`, values);
          plans.push(rows.map((row) => row['QUERY PLAN']).join('\n'));
          return { rows: [] };
        },
      },
    } as unknown as Queue;
    await run(queue);
    return plans;
  }

  test("wiping the payloads of a batch's ended jobs finds them through an index, not by reading the table", async () => {
    const jobs = await queueAfterBulkEnqueue(10);
    const [plan] = await plansOf((queue) =>
      wipePayloads(
        queue,
        jobs.slice(0, 4).map((job) => ({
          id: job.id,
          data: finishedPayload(decodePayload(job.data) as PendingJob, 'revoked'),
        })),
      ),
    );
    expect(plan).toMatch(/Index Scan using \w+ on job_common/);
    expect(plan).not.toMatch(/Seq Scan/);
  });

  test('counting the jobs by state reads an index of pg-boss, not the table', async () => {
    await queueAfterBulkEnqueue(10);
    const [plan] = await plansOf(async (queue) => {
      await countJobs(queue);
    });
    expect(plan).not.toMatch(/Seq Scan/);
  });

  test("counting the unended jobs reads pg-boss's index of them, not the ended jobs kept", async () => {
    await queueAfterBulkEnqueue(10);
    await pool.query(
      `UPDATE ${schema}.job SET state = 'completed', completed_on = now()
       WHERE id IN (SELECT id FROM ${schema}.job WHERE state = 'created' ORDER BY created_on, id LIMIT 3900)`,
    );
    await pool.query(`ANALYZE ${schema}.job`);
    const [all, unended] = await plansOf(async (queue) => {
      await countJobs(queue);
      await countJobs(queue, 'unended');
    });
    // Most jobs ended: counting them all reads the table; the unended ones come from an index.
    expect(all).toMatch(/Seq Scan/);
    expect(unended).not.toMatch(/Seq Scan/);
  });
});
