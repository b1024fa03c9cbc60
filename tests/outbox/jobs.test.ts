// How the outbox finds jobs through pg-boss's findJobs (src/outbox/jobs.ts): what it asks pg-boss
// to filter, that it pages through every job, and that an open reads no job when none was left
// running. A fake findJobs that honours `queued` and `after` like pg-boss 12's, and a fake count by
// state, stand for the queue.
import type { JobWithMetadata } from 'pg-boss';
import { eachJobIn, jobsIn, requeueOrphans } from '../../src/outbox/jobs';
import type { Queue } from '../../src/outbox/queue';

type State = JobWithMetadata['state'];

/**
 * A queue of `ended` completed jobs, then `waiting` created ones, then `running` active ones; records
 * each findJobs call and each job failed.
 */
function queueOf(ended: number, waiting: number, running = 0) {
  const jobs = [
    ...Array.from({ length: ended }, (_, i) => ({
      id: `e${String(i).padStart(6, '0')}`,
      state: 'completed',
    })),
    ...Array.from({ length: waiting }, (_, i) => ({
      id: `w${String(i).padStart(6, '0')}`,
      state: 'created',
    })),
    ...Array.from({ length: running }, (_, i) => ({ id: `r${i}`, state: 'active' })),
  ] as { id: string; state: State }[];
  const calls: { queued?: boolean; after?: string; limit?: number; returned: number }[] = [];
  const findJobs = async (_name: string, options: { queued?: boolean; after?: string; limit?: number }) => {
    const start = options.after === undefined ? 0 : jobs.findIndex((job) => job.id === options.after) + 1;
    const page = jobs
      .slice(start)
      .filter((job) => !options.queued || job.state === 'created' || job.state === 'retry')
      .slice(0, options.limit);
    calls.push({ ...options, returned: page.length });
    return page;
  };
  const failed: string[] = [];
  const boss = {
    findJobs,
    fail: async (_name: string, ids: string[]) => failed.push(...ids),
    update: async () => {},
  };
  const executeSql = async () => ({
    rows: [...new Set(jobs.map((job) => job.state))].map((state) => ({
      state,
      outcome: null,
      n: jobs.filter((job) => job.state === state).length,
    })),
  });
  const queue = { name: 'digilocker-revocation', boss, db: { executeSql } } as unknown as Queue;
  return { queue, calls, failed };
}

describe('listing jobs through findJobs', () => {
  test('one page holds up to 10,000 jobs', async () => {
    const { queue, calls } = queueOf(10_000, 1);
    expect(await jobsIn(queue, ['completed'])).toHaveLength(10_000);
    expect(calls.map(({ returned }) => returned)).toEqual([10_000, 1]);
  });

  test('waiting jobs are filtered by pg-boss: ended ones are never read', async () => {
    const { queue, calls } = queueOf(5_000, 3);
    const found = await jobsIn(queue, ['created', 'retry']);
    expect(found.map((job) => job.id)).toEqual(['w000000', 'w000001', 'w000002']);
    expect(calls).toEqual([expect.objectContaining({ queued: true, returned: 3 })]);
  });

  test('other states page through every job, `after` the last of each page', async () => {
    const { queue, calls } = queueOf(2_500, 2);
    const found: JobWithMetadata<unknown>[] = [];
    for await (const job of eachJobIn(queue, ['completed'], 1_000)) found.push(job);
    expect(found).toHaveLength(2_500);
    expect(calls.map(({ queued, returned }) => ({ queued, returned }))).toEqual([
      { queued: false, returned: 1_000 },
      { queued: false, returned: 1_000 },
      { queued: false, returned: 502 },
    ]);
    expect(calls[1]?.after).toBe(found[999]?.id);
  });

  test('a caller that stops early reads no further page', async () => {
    const { queue, calls } = queueOf(0, 4_000);
    for await (const job of eachJobIn(queue, ['created'], 100)) if (job.id === 'w000001') break;
    expect(calls).toHaveLength(1);
  });

  test('an open requeues the jobs a dead process left running, and reads no job when there are none', async () => {
    const crashed = queueOf(3_000, 2, 2);
    await requeueOrphans(crashed.queue);
    expect(crashed.failed).toEqual(['r0', 'r1']);

    const closed = queueOf(3_000, 2);
    await requeueOrphans(closed.queue);
    expect(closed.calls).toEqual([]);
    expect(closed.failed).toEqual([]);
  });
});
