// A faulty onEvent never reaches the outbox or the host: a listener that throws, or an async one whose
// promise rejects, leaves enqueue resolved and no unhandled rejection behind (the core's safeEventSink).
import { setTimeout as sleep } from 'node:timers/promises';
import { InputTypeError } from '../../src';
import { type OutboxEvent, openRevocationOutbox } from '../../src/outbox';
import { safeEmitter } from '../../src/outbox/events';
import { KEY, scratchDirectory } from './support';

const QUEUED: OutboxEvent = {
  type: 'queued',
  jobId: 'j',
  fingerprints: {},
  expiresAt: '2030-01-01T00:00:00.000Z',
};

/** The unhandled rejections seen while `body` runs and for a moment after it (one event-loop turn). */
async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await body();
    await sleep(50);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  return unhandled;
}

test('safeEmitter: a listener that throws or rejects is swallowed; none is a no-op', async () => {
  const seen: OutboxEvent[] = [];
  const unhandled = await unhandledDuring(async () => {
    safeEmitter(() => {
      throw new Error('a faulty logger');
    })(QUEUED);
    safeEmitter(async (event) => {
      seen.push(event);
      throw new Error('an async faulty logger');
    })(QUEUED);
    safeEmitter(undefined)(QUEUED);
  });
  expect(seen).toEqual([QUEUED]);
  expect(unhandled).toEqual([]);
});

test('an outbox whose async onEvent rejects: enqueue resolves, the event was given, nothing is unhandled', async () => {
  const directory = scratchDirectory();
  const events: OutboxEvent[] = [];
  const outbox = await openRevocationOutbox({
    store: { directory: directory.path },
    encryptionKeys: [KEY],
    onEvent: async (event) => {
      events.push(event);
      throw new Error('the log sink is down');
    },
  });
  try {
    const unhandled = await unhandledDuring(async () => {
      const job = await outbox.enqueue({ refreshToken: 'a-refresh-token' });
      expect(events).toEqual([expect.objectContaining({ type: 'queued', jobId: job.id })]);
    });
    expect(unhandled).toEqual([]);
    // A transaction of the caller's is for a PostgreSQL store: refused here before anything is written.
    const refused = outbox.enqueue(
      { refreshToken: 'another' },
      { db: { query: async () => ({ rows: [] }) } },
    );
    await expect(refused).rejects.toBeInstanceOf(InputTypeError);
    await expect(refused).rejects.toMatchObject({ code: 'invalid_option', input: 'db' });
    expect(await outbox.stats()).toMatchObject({ queued: 1 });
  } finally {
    await outbox.close();
    directory.remove();
  }
}, 60_000);
