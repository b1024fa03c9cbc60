// onEvent: plain events at each step of a call, with the token's fingerprint and never the token; an
// observer that throws does not break the call.
import { createHash } from 'node:crypto';
import nock from 'nock';
import { createRevocationClient, type RevocationEvent } from '../../src';
import { BASE, instantClock, PATH } from '../support/fixtures';
import { useNock } from '../support/use-nock';

const TOKEN = 'observed-token-5f2a9c';
const FINGERPRINT = createHash('sha256').update(TOKEN).digest('hex').slice(0, 12);

useNock();

function observedClient(onEvent: (event: RevocationEvent) => void) {
  return createRevocationClient({
    credentials: { clientId: 'id', clientSecret: 'secret' },
    onEvent,
    random: () => 0.5,
    clock: instantClock(),
  });
}

describe('onEvent', () => {
  it('reports request, response, retry, request, response for a 503 then a 200', async () => {
    nock(BASE).post(PATH).reply(503).post(PATH).reply(200);
    const events: RevocationEvent[] = [];
    await observedClient((event) => events.push(event)).revoke(TOKEN);
    expect(events).toEqual([
      { type: 'request', attempt: 1, method: 'POST', url: `${BASE}${PATH}`, fingerprint: FINGERPRINT },
      { type: 'response', attempt: 1, status: 503, durationMs: 0, fingerprint: FINGERPRINT },
      {
        type: 'retry',
        attempt: 1,
        delayMs: 100,
        reason: 'server_error',
        mayHaveRevoked: false, // a 503 says the request was not handled
        fingerprint: FINGERPRINT,
      },
      { type: 'request', attempt: 2, method: 'POST', url: `${BASE}${PATH}`, fingerprint: FINGERPRINT },
      { type: 'response', attempt: 2, status: 200, durationMs: 0, fingerprint: FINGERPRINT },
    ]);
  });

  it('reports an error event with the code when the call fails', async () => {
    nock(BASE)
      .post(PATH)
      .reply(400, { error: 'invalid_token', error_description: `no such token ${TOKEN}` });
    const events: RevocationEvent[] = [];
    await expect(observedClient((event) => events.push(event)).revoke(TOKEN)).rejects.toThrow();
    expect(events.at(-1)).toEqual({
      type: 'error',
      attempt: 1,
      code: 'invalid_token',
      fingerprint: FINGERPRINT,
    });
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });

  it('reports network failures of an attempt as error events', async () => {
    nock(BASE)
      .post(PATH)
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .post(PATH)
      .reply(200);
    const events: RevocationEvent[] = [];
    await observedClient((event) => events.push(event)).revoke(TOKEN);
    expect(events.map((event) => event.type)).toEqual(['request', 'error', 'retry', 'request', 'response']);
    expect(events[1]).toMatchObject({ code: 'network_error' });
    // A reset after the request left: it may have revoked the token.
    expect(events[2]).toMatchObject({ mayHaveRevoked: true });
  });

  it('a retry event says no attempt may have revoked the token when none reached the server', async () => {
    nock(BASE).post(PATH).reply(500).post(PATH).reply(200);
    let calls = 0;
    // The first connection is refused, as undici's fetch reports it: the request never left.
    const refusedOnce: typeof fetch = (input, init) =>
      ++calls === 1
        ? Promise.reject(
            new TypeError('fetch failed', {
              cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
            }),
          )
        : fetch(input, init);
    const events: RevocationEvent[] = [];
    const client = createRevocationClient({
      credentials: { clientId: 'id', clientSecret: 'secret' },
      onEvent: (event) => events.push(event),
      clock: instantClock(),
      fetch: refusedOnce,
    });
    await client.revoke(TOKEN);
    const retries = events.filter((event) => event.type === 'retry');
    // Refused: never sent. Then a 500, which may come after the token was revoked.
    expect(retries).toMatchObject([
      { reason: 'network_error', mayHaveRevoked: false },
      { reason: 'server_error', mayHaveRevoked: true },
    ]);
  });

  it('ignores an observer that throws', async () => {
    nock(BASE).post(PATH).reply(200);
    const result = await observedClient(() => {
      throw new Error('broken logger');
    }).revoke(TOKEN);
    expect(result.outcome).toBe('revoked');
  });
});
