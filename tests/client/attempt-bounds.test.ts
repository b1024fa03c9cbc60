// What bounds one attempt, seen from both ends of a real socket: the body the client reads (whole up
// to the cap, with a character split across packets decoded once whole), the request it stops when
// the caller aborts, and the deadline that keeps no timer once the call has settled.
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { InvalidTokenError, LIMITS } from '../../src';
import { raceWithDeadline } from '../../src/race';
import { testClient } from '../support/clients';
import { useLocalServer } from '../support/local-server';
import { nodeFetches } from '../support/node-fetches';

const server = useLocalServer();

describe.each(nodeFetches())('with %s', (_, fetch) => {
  const client = () =>
    testClient({ baseUrl: server.baseUrl, retry: { maxAttempts: 1 }, ...(fetch ? { fetch } : {}) });

  it('reads an OAuth error body of exactly the cap whole, as an OAuth error', async () => {
    const json = '{"error":"invalid_token","error_description":"expired"}';
    const body = json.padEnd(LIMITS.maxResponseBodyBytes, ' ');
    server.handle((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json', 'content-length': String(body.length) });
      response.end(body);
    });
    const error = await client()
      .revoke('tok')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ oauthError: 'invalid_token', oauthErrorDescription: 'expired' });
  });

  it('decodes a character whose bytes arrive in two packets as that character', async () => {
    // DigiLocker is Indian: a Hindi description is three bytes a character in UTF-8.
    const description = 'टोकन अमान्य है';
    const bytes = Buffer.from(`{"error":"invalid_token","error_description":"${description}"}`);
    const cut = bytes.indexOf(Buffer.from('अ')) + 1; // inside the first byte's character
    server.handle((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.write(bytes.subarray(0, cut));
      // Once the first part has left (a packet of its own), the rest.
      setTimeout(() => response.end(bytes.subarray(cut)), 50);
    });
    const error = await client()
      .revoke('tok')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_token', oauthErrorDescription: description });
  });

  it("stops the request when the caller aborts: the server sees its connection's end", async () => {
    let arrived: IncomingMessage | undefined;
    server.handle((request) => {
      arrived = request; // never answered
    });
    const controller = new AbortController();
    const call = testClient({
      baseUrl: server.baseUrl,
      timeoutMs: 60_000,
      ...(fetch ? { fetch } : {}),
    }).revoke('tok', { signal: controller.signal });
    while (arrived === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    const closed = once(arrived.socket, 'close');
    controller.abort(new Error('signed out elsewhere'));
    await expect(call).rejects.toThrow('signed out elsewhere');
    await closed; // without the abort reaching fetch, the socket stays open for the 60 s deadline
  });
});

describe('raceWithDeadline', () => {
  const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  const bounds = (signal?: AbortSignal) => ({
    timeoutMs: 60_000,
    signal,
    onTimeout: () => new Error('late'),
  });

  it('keeps no timer once the work has settled, either way', async () => {
    const before = timers();
    await raceWithDeadline(async () => 'done', bounds());
    await raceWithDeadline(() => Promise.reject(new Error('failed')), bounds()).catch(() => {});
    expect(timers()).toBe(before);
  });

  it("aborts the work's signal with the caller's reason, and keeps no timer", async () => {
    const controller = new AbortController();
    const before = timers();
    let workSignal: AbortSignal | undefined;
    const race = raceWithDeadline((signal) => {
      workSignal = signal;
      return new Promise<never>(() => {});
    }, bounds(controller.signal));
    const reason = new Error('caller gone');
    controller.abort(reason);
    await expect(race).rejects.toBe(reason);
    expect(workSignal).toMatchObject({ aborted: true, reason });
    expect(timers()).toBe(before);
  });

  it('does not start the work for a signal that has already aborted', async () => {
    const work = jest.fn(async () => 'sent');
    const reason = new Error('already gone');
    await expect(raceWithDeadline(work, bounds(AbortSignal.abort(reason)))).rejects.toBe(reason);
    expect(work).not.toHaveBeenCalled();
  });

  it('rejects with what the work throws synchronously, and keeps no timer', async () => {
    const before = timers();
    const failure = new Error('thrown at once');
    await expect(
      raceWithDeadline(() => {
        throw failure;
      }, bounds()),
    ).rejects.toBe(failure);
    expect(timers()).toBe(before);
  });
});
