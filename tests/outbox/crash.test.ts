// A process that queued 1,000 sign-outs is killed with SIGKILL in the middle of draining them; a new
// process on the same embedded store finishes the work. Every token ends inactive, none sent more
// than twice (the killed process's jobs in flight are run again, and their "invalid token" answer
// then counts as revoked).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { ensureBuilt, freshDirectory, mockConfig, runChild, startChild } from './child-harness';
import { scratchDirectory, waitUntil } from './support';

const SIGN_OUTS = 1000;
let mock: MockDigiLocker;
beforeAll(() => ensureBuilt(), 240_000);
beforeEach(async () => {
  mock = await startMockDigiLocker();
});
afterEach(() => mock.close());

test('SIGKILL mid-drain loses nothing: the next process revokes every token, none sent more than twice', async () => {
  const store = await freshDirectory();
  const scratch = scratchDirectory();
  try {
    const sessions = Array.from({ length: SIGN_OUTS }, () => mock.issueTokens());
    const tokensFile = join(scratch.path, 'tokens.jsonl');
    writeFileSync(tokensFile, sessions.map((tokens) => JSON.stringify(tokens)).join('\n'));

    const first = startChild({
      store: { directory: store.path },
      ...mockConfig(mock),
      tokensFile,
      drain: true,
    });
    const revokedSoFar = () => Math.max(0, ...first.lines.map((line) => Number(line.revoked ?? 0)));
    await waitUntil(() => revokedSoFar() >= 200, 150_000);
    first.process.kill('SIGKILL');
    expect(await first.done).toEqual({ code: null, signal: 'SIGKILL' });
    expect(first.lines).toContainEqual({ enqueued: SIGN_OUTS });
    const stillActive = sessions.filter((tokens) => mock.isActive(tokens.refreshToken)).length;
    expect(stillActive).toBeGreaterThan(0); // killed in the middle, not at the end

    const second = await runChild({ store: { directory: store.path }, ...mockConfig(mock), drain: true });
    expect(second.at(-1)).toEqual({
      stats: expect.objectContaining({ queued: 0, running: 0, retrying: 0, dead: 0, revoked: SIGN_OUTS }),
    });
    for (const tokens of sessions) {
      expect(mock.isActive(tokens.refreshToken)).toBe(false);
      expect(mock.isActive(tokens.accessToken)).toBe(false);
    }
    const sends = sessions.flatMap((tokens) => [
      mock.revokeRequestsFor(tokens.refreshToken),
      mock.revokeRequestsFor(tokens.accessToken),
    ]);
    expect(Math.max(...sends)).toBeLessThanOrEqual(2);
    expect(Math.min(...sends)).toBe(1);
  } finally {
    scratch.remove();
    store.remove();
  }
}, 300_000);
