// A job left running by a process that died (embedded store: found at open) is put back in the queue
// due at once, whatever the retry policy's delay, and its lost run counts as one that may have revoked.

import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { type OutboxEvent, openRevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, KEY, scratchDirectory } from './support';

let mock: MockDigiLocker;
beforeEach(async () => {
  mock = await startMockDigiLocker();
});
afterEach(() => mock.close());

test('left running by a process that died (embedded store), it is due at once at open', async () => {
  const scratch = scratchDirectory();
  const options = {
    client: clientOf(mock),
    store: { directory: scratch.path },
    encryptionKeys: [KEY],
    pollIntervalMs: 100,
    retry: { minDelaySeconds: 3000, maxDelaySeconds: 3000 },
  };
  try {
    const first = await openRevocationOutbox(options);
    const tokens = mock.issueTokens();
    const { id } = await first.enqueue(tokens);
    await first.close();
    // As a process that fetched it and was killed leaves it.
    const db = await PGlite.create(join(scratch.path, 'pgdata'));
    await db.query(`UPDATE digilocker_outbox.job SET state = 'active', started_on = now() WHERE id = $1`, [
      id,
    ]);
    await db.close();
    // The killed run revoked the token; DigiLocker now says it is invalid.
    await clientOf(mock).signOut(tokens);

    const events: OutboxEvent[] = [];
    const second = await openRevocationOutbox({ ...options, onEvent: (event) => events.push(event) });
    try {
      const startedAt = Date.now();
      expect(await second.drain()).toMatchObject({ revoked: 1, retrying: 0 });
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      expect(events.find((event) => event.type === 'revoked')).toMatchObject({
        jobId: id,
        outcome: 'revoked',
      });
    } finally {
      await second.close();
    }
  } finally {
    scratch.remove();
  }
}, 60_000);
