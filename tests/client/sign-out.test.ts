// client.signOut({ accessToken?, refreshToken? }): revokes a session's refresh token, then its access token,
// reports each token's outcome instead of throwing, and throws only for bad input or abort.
import nock from 'nock';
import {
  InvalidClientError,
  isInputError,
  type RevocationClientOptions,
  ServerError,
  type TokenOutcome,
} from '../../src';
import { testClient } from '../support/clients';
import { BASE, PATH } from '../support/fixtures';
import { useNock } from '../support/use-nock';

const ACCESS = 'access-4b8e2d';
const REFRESH = 'refresh-9c1f3a';

useNock();

const client = (options: Partial<RevocationClientOptions> = {}) => testClient({ retry: false, ...options });

/** A revoke endpoint answering each token with its status, recording the bodies in arrival order. */
function endpoint(statuses: Record<string, number>) {
  const bodies: string[] = [];
  const scope = nock(BASE)
    .post(PATH)
    .times(Object.keys(statuses).length)
    .reply((_uri, body) => {
      const text = String(body);
      bodies.push(text);
      const token = new URLSearchParams(text).get('token') ?? '';
      return [statuses[token] ?? 500, ''];
    });
  return { scope, bodies };
}

const revoked = { ok: true, result: expect.objectContaining({ outcome: 'revoked', confirmed: true }) };

describe('order and hints', () => {
  it('revokes the refresh token first, then the access token, each with its hint', async () => {
    const { bodies } = endpoint({ [REFRESH]: 200, [ACCESS]: 200 });
    const result = await client().signOut({ accessToken: ACCESS, refreshToken: REFRESH });
    expect(bodies).toEqual([
      `token=${REFRESH}&token_type_hint=refresh_token`,
      `token=${ACCESS}&token_type_hint=access_token`,
    ]);
    expect(result).toEqual({ refreshToken: revoked, accessToken: revoked, complete: true });
  });

  it('sends one request when only the access token is given', async () => {
    const { bodies } = endpoint({ [ACCESS]: 200 });
    const result = await client().signOut({ accessToken: ACCESS });
    expect(bodies).toEqual([`token=${ACCESS}&token_type_hint=access_token`]);
    expect(result).toEqual({ accessToken: revoked, complete: true });
    expect(result).not.toHaveProperty('refreshToken');
  });

  it('sends one request when only the refresh token is given', async () => {
    const { bodies } = endpoint({ [REFRESH]: 200 });
    const result = await client().signOut({ refreshToken: REFRESH });
    expect(bodies).toEqual([`token=${REFRESH}&token_type_hint=refresh_token`]);
    expect(result).toEqual({ refreshToken: revoked, complete: true });
  });
});

describe('outcomes', () => {
  it('counts an invalid token as already invalid, even without treatInvalidTokenAsRevoked', async () => {
    endpoint({ [REFRESH]: 400, [ACCESS]: 200 });
    const result = await client().signOut({ accessToken: ACCESS, refreshToken: REFRESH });
    expect(result.refreshToken).toEqual({
      ok: true,
      result: expect.objectContaining({ outcome: 'already_invalid', status: 400 }),
    });
    expect(result.complete).toBe(true);
  });

  it('reports a failed refresh token without throwing, and still revokes the access token', async () => {
    const { bodies } = endpoint({ [REFRESH]: 503, [ACCESS]: 200 });
    const result = await client().signOut({ accessToken: ACCESS, refreshToken: REFRESH });
    const refresh = result.refreshToken as Extract<TokenOutcome, { ok: false }>;
    expect(refresh.ok).toBe(false);
    expect(refresh.error).toBeInstanceOf(ServerError);
    expect(refresh.error).toMatchObject({ status: 503, attempts: 1 });
    expect(result.accessToken).toEqual(revoked);
    expect(result.complete).toBe(false);
    expect(bodies).toHaveLength(2);
  });

  it("reports a failing access-token function as the token's outcome, keeping the refresh token's", async () => {
    const { bodies } = endpoint({ [REFRESH]: 200 });
    let calls = 0;
    const vaultDown = new Error('vault unavailable');
    const accessToken = async () => {
      calls++;
      if (calls > 1) throw vaultDown;
      return 'bearer-1';
    };
    const result = await client({ accessToken, credentials: undefined }).signOut({
      accessToken: ACCESS,
      refreshToken: REFRESH,
    });
    expect(result.refreshToken).toEqual(revoked);
    const access = result.accessToken as Extract<TokenOutcome, { ok: false }>;
    expect(access.error).toBeInstanceOf(InvalidClientError);
    expect(access.error).toMatchObject({ retryable: true, attempts: 0, cause: vaultDown });
    expect(result.complete).toBe(false);
    expect(bodies).toHaveLength(1);
  });

  it('reports both failures when both tokens fail', async () => {
    endpoint({ [REFRESH]: 503, [ACCESS]: 500 });
    const result = await client().signOut({ accessToken: ACCESS, refreshToken: REFRESH });
    expect(result).toEqual({
      refreshToken: { ok: false, error: expect.any(ServerError) },
      accessToken: { ok: false, error: expect.any(ServerError) },
      complete: false,
    });
  });

  it('stops at invalid_client: the access token is not sent, and reported not attempted with that error', async () => {
    const { bodies } = endpoint({ [REFRESH]: 401 });
    const result = await client().signOut({ accessToken: ACCESS, refreshToken: REFRESH });
    const refresh = result.refreshToken as Extract<TokenOutcome, { ok: false }>;
    expect(refresh.error).toBeInstanceOf(InvalidClientError);
    expect(result.accessToken).toEqual({ ok: false, error: refresh.error, attempted: false });
    expect(result.complete).toBe(false);
    expect(bodies).toHaveLength(1);
  });
});

describe('bad input throws before any request', () => {
  const fetch = jest.fn<Promise<Response>, Parameters<typeof globalThis.fetch>>();
  beforeEach(() => fetch.mockReset());

  it.each([
    { label: 'no tokens', tokens: {}, ErrorClass: TypeError },
    {
      label: 'both tokens undefined',
      tokens: { accessToken: undefined, refreshToken: undefined },
      ErrorClass: TypeError,
    },
    { label: 'null', tokens: null, ErrorClass: TypeError },
    { label: 'a string', tokens: ACCESS, ErrorClass: TypeError },
    { label: 'a numeric access token', tokens: { accessToken: 42 }, ErrorClass: TypeError },
    {
      label: 'a null refresh token',
      tokens: { accessToken: ACCESS, refreshToken: null },
      ErrorClass: TypeError,
    },
    { label: 'an empty access token', tokens: { accessToken: '' }, ErrorClass: RangeError },
    {
      label: 'a refresh token with a newline',
      tokens: { accessToken: ACCESS, refreshToken: `${REFRESH}\n` },
      ErrorClass: RangeError,
    },
    { label: 'an access token too long', tokens: { accessToken: 'a'.repeat(4097) }, ErrorClass: RangeError },
    {
      label: 'a refresh token with a lone surrogate',
      tokens: { accessToken: ACCESS, refreshToken: `${REFRESH}\ud800` },
      ErrorClass: RangeError,
    },
    {
      label: 'an access token with a trailing space',
      tokens: { accessToken: `${ACCESS} `, refreshToken: REFRESH },
      ErrorClass: RangeError,
    },
  ])('$label: $ErrorClass.name', async ({ tokens, ErrorClass }) => {
    // @ts-expect-error: deliberately the wrong type
    const call = client({ fetch }).signOut(tokens);
    await expect(call).rejects.toThrow(ErrorClass);
    const error = await call.catch((e: unknown) => e);
    expect(isInputError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'invalid_token_input' });
    await expect(call).rejects.not.toThrow(ACCESS);
    await expect(call).rejects.not.toThrow(REFRESH);
    expect(fetch).not.toHaveBeenCalled();
  });

  it.each([
    ['null options', null, 'options'],
    ['a signal that is not an AbortSignal', { signal: 'abort' }, 'signal'],
    ['an unknown option (a typo)', { timout: 5 }, 'timout'],
  ])('%s: InputTypeError naming it', async (_label, options, input) => {
    // @ts-expect-error: deliberately the wrong type
    const call = client({ fetch }).signOut({ accessToken: ACCESS }, options);
    await expect(call).rejects.toThrow(TypeError);
    const error = await call.catch((e: unknown) => e);
    expect(isInputError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'invalid_option', input });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('reads each token once and sends what it checked, whatever a getter answers later', async () => {
    fetch.mockResolvedValue(new Response(null, { status: 200 }));
    let reads = 0;
    const tokens = {
      get accessToken() {
        return reads++ === 0 ? ACCESS : 'swapped\nlater';
      },
    };
    await expect(client({ fetch }).signOut(tokens)).resolves.toMatchObject({ complete: true });
    expect(reads).toBe(1);
    expect(String(fetch.mock.calls[0]?.[1]?.body)).toContain(encodeURIComponent(ACCESS));
  });

  it('ignores other properties of a token set, such as an idToken', async () => {
    fetch.mockResolvedValue(new Response(null, { status: 200 }));
    const tokenSet = { accessToken: ACCESS, idToken: 'id-token-never-sent' };
    await expect(client({ fetch }).signOut(tokenSet)).resolves.toMatchObject({ complete: true });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(String(fetch.mock.calls[0]?.[1]?.body)).not.toContain('id-token-never-sent');
  });
});

describe('abort', () => {
  it('rejects with the reason of an already aborted signal, without a request', async () => {
    const fetch = jest.fn<Promise<Response>, Parameters<typeof globalThis.fetch>>();
    const reason = new Error('user left');
    const call = client({ fetch }).signOut(
      { accessToken: ACCESS, refreshToken: REFRESH },
      {
        signal: AbortSignal.abort(reason),
      },
    );
    await expect(call).rejects.toBe(reason);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('rejects with the abort reason mid-request and does not go on to the access token', async () => {
    const bodies: string[] = [];
    // Never answers; gives up only when the client aborts the attempt.
    const fetch = jest.fn((_url: string | URL | Request, init?: RequestInit) => {
      bodies.push(String(init?.body));
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    });
    const controller = new AbortController();
    const reason = new Error('user left');
    const call = client({ fetch }).signOut(
      { accessToken: ACCESS, refreshToken: REFRESH },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(reason), 20);
    await expect(call).rejects.toBe(reason);
    expect(bodies).toEqual([`token=${REFRESH}&token_type_hint=refresh_token`]);
  });

  it("rejects with the abort reason when the signal aborts as a token's own failure ends, not with that failure", async () => {
    const { scope } = endpoint({ [REFRESH]: 502 });
    const controller = new AbortController();
    const reason = new Error('shutting down');
    // The caller's signal aborts while the refresh token's call is failing on its own (a 502).
    const onEvent = (event: { type: string }) => {
      if (event.type === 'error') controller.abort(reason);
    };
    const call = client({ onEvent }).signOut(
      { accessToken: ACCESS, refreshToken: REFRESH },
      { signal: controller.signal },
    );
    await expect(call).rejects.toBe(reason);
    expect(scope.isDone()).toBe(true); // one request: the access token was not sent
  });
});
