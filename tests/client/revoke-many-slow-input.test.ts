// revokeMany hands back finished outcomes while it waits for slow input (an open standard input, a
// paced queue), so a caller that journals them loses nothing if the process dies while waiting.
import { createRevocationClient } from '../../src';

it('yields an outcome while the next input is still pending', async () => {
  const client = createRevocationClient({
    credentials: { clientId: 'id', clientSecret: 'secret' },
    fetch: async () => new Response(null, { status: 200 }),
  });
  let release: () => void = () => {};
  const inputBlocked = new Promise<void>((resolve) => {
    release = resolve;
  });
  let pulledSecond = false;
  async function* slowInput() {
    yield 'first-token-0123456789';
    await inputBlocked; // the second token is slow to come
    pulledSecond = true;
    yield 'second-token-0123456789';
  }

  const outcomes = client.revokeMany(slowInput(), { concurrency: 4 })[Symbol.asyncIterator]();
  const first = await outcomes.next();
  expect(first.value).toMatchObject({ index: 0, ok: true });
  expect(pulledSecond).toBe(false);

  release();
  expect((await outcomes.next()).value).toMatchObject({ index: 1, ok: true });
  expect((await outcomes.next()).done).toBe(true);
});
