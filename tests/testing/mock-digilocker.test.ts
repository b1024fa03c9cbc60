// The mock DigiLocker (digilocker-revocation/testing) behaves as DigiLocker documents it, validates
// requests against the OpenAPI document, and injects the faults tests ask for.
import { once } from 'node:events';
import { InputRangeError, InputTypeError } from '../../src';
import { type MockDigiLocker, type MockDigiLockerOptions, startMockDigiLocker } from '../../src/testing';

const FORM = 'application/x-www-form-urlencoded';
let digilocker: MockDigiLocker;
let revokeUrl: string;

beforeEach(async () => {
  digilocker = await startMockDigiLocker({ clientId: 'my client', clientSecret: 's&c:ret é+' });
  revokeUrl = `${digilocker.baseUrl}/oauth2/1/revoke`;
});
afterEach(() => digilocker.close());

function basic(id = digilocker.clientId, secret = digilocker.clientSecret): string {
  const encode = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

function postForm(
  fields: Record<string, string>,
  headers: Record<string, string> = { authorization: basic() },
) {
  return fetch(revokeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

function postJson(body: unknown, headers: Record<string, string> = { authorization: basic() }) {
  return fetch(revokeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('startMockDigiLocker(options)', () => {
  it.each([
    ['an unknown option', { bogus: 1 }, InputTypeError, 'bogus'],
    ['a port that is text', { port: 'abc' }, InputTypeError, 'port'],
    ['a negative port', { port: -1 }, InputRangeError, 'port'],
    ['an empty client secret', { clientSecret: '' }, InputRangeError, 'clientSecret'],
    [
      'a negative token lifetime',
      { accessTokenLifetimeSeconds: -5 },
      InputRangeError,
      'accessTokenLifetimeSeconds',
    ],
    ['an undocumented success body', { successBody: '{"revoked":false}' }, InputTypeError, 'successBody'],
  ])('refuses %s with an input error naming it, before listening', async (_, options, ErrorClass, input) => {
    const failure = await startMockDigiLocker(options as MockDigiLockerOptions).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ErrorClass);
    expect(failure).toMatchObject({ code: 'invalid_option', input });
  });
});

describe('startMockDigiLocker', () => {
  it('listens on 127.0.0.1 under /public and issues 40-hex tokens', () => {
    expect(digilocker.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/public$/);
    const { accessToken, refreshToken } = digilocker.issueTokens();
    expect(accessToken).toMatch(/^[0-9a-f]{40}$/);
    expect(refreshToken).toMatch(/^[0-9a-f]{40}$/);
    expect(digilocker.isActive(accessToken)).toBe(true);
  });

  it('revokes with a form body and client_secret_basic (special characters in the secret)', async () => {
    const { accessToken } = digilocker.issueTokens();
    const response = await postForm({ token: accessToken, token_type_hint: 'access_token' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(digilocker.isActive(accessToken)).toBe(false);
    expect(digilocker.stats).toMatchObject({ revokeRequests: 1, revoked: 1 });
    expect(digilocker.revokeRequestsFor(accessToken)).toBe(1);
  });

  it('revokes with a JSON body', async () => {
    const { accessToken } = digilocker.issueTokens();
    expect((await postJson({ token: accessToken })).status).toBe(200);
    expect(digilocker.isActive(accessToken)).toBe(false);
  });

  it('accepts client_secret_post', async () => {
    const { accessToken } = digilocker.issueTokens();
    const response = await postForm(
      { token: accessToken, client_id: digilocker.clientId, client_secret: digilocker.clientSecret },
      {},
    );
    expect(response.status).toBe(200);
  });

  it('accepts a Bearer token from the client-credentials grant, and refuses an unknown one', async () => {
    const tokenResponse = await fetch(`${digilocker.baseUrl}/oauth2/1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
      body: 'grant_type=client_credentials&scope=default',
    });
    const grant = (await tokenResponse.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
    };
    expect(grant).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });

    const { accessToken } = digilocker.issueTokens();
    expect(
      (await postJson({ token: accessToken }, { authorization: `Bearer ${grant.access_token}` })).status,
    ).toBe(200);
    expect((await postJson({ token: 'x' }, { authorization: 'Bearer not-issued' })).status).toBe(401);
  });

  it('refuses bad client credentials with 401 invalid_client', async () => {
    const { accessToken } = digilocker.issueTokens();
    const response = await postForm(
      { token: accessToken },
      { authorization: basic(digilocker.clientId, 'wrong') },
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    expect(digilocker.isActive(accessToken)).toBe(true);
    expect((await postForm({ token: accessToken }, {})).status).toBe(401);
  });

  it('revoking a refresh token invalidates the access tokens of its grant, not of others', async () => {
    const session = digilocker.issueTokens();
    const other = digilocker.issueTokens();
    expect((await postForm({ token: session.refreshToken })).status).toBe(200);
    expect(digilocker.isActive(session.accessToken)).toBe(false);
    expect(digilocker.isActive(other.accessToken)).toBe(true);
  });

  it('answers 400 invalid_token for an unknown or already revoked token', async () => {
    const { accessToken } = digilocker.issueTokens();
    await postForm({ token: accessToken });
    for (const token of [accessToken, 'never-issued']) {
      const response = await postForm({ token });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_token',
        error_description: 'The token is invalid',
      });
    }
    expect(digilocker.stats.invalidToken).toBe(2);
  });

  it('answers 400 invalid_request for a missing token', async () => {
    const response = await postForm({ token_type_hint: 'access_token' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it.each([
    [
      'a hint outside the enum',
      () => postForm({ token: 't', token_type_hint: 'id_token' }),
      /token_type_hint must be one of/,
    ],
    ['a token that is not a string', () => postJson({ token: 42 }), /body\/token must be string/],
    ['an unparsable JSON body', () => postJsonText('{"token":'), /not valid JSON/],
    ['an unsupported content type', () => postText('token=t', 'text/plain'), /Content-Type must be/],
  ])('answers 400 with a clear description for an off-spec request: %s', async (_, send, description) => {
    const response = await send();
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toMatch(description);
  });

  it('refuses methods other than POST with 405 and Allow: POST, on both endpoints', async () => {
    for (const url of [revokeUrl, tokenUrl()]) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const response = await fetch(url, { method });
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toBe('POST');
      }
    }
    expect(digilocker.stats.invalidRequest).toBe(6);
  });

  it('serves an endpoint URL that carries a query string', async () => {
    const { accessToken } = digilocker.issueTokens();
    const response = await fetch(`${revokeUrl}?tenant=a&x=`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
      body: new URLSearchParams({ token: accessToken }).toString(),
    });
    expect(response.status).toBe(200);
    expect(digilocker.isActive(accessToken)).toBe(false);
    const grant = await postToken('grant_type=client_credentials', { authorization: basic() }, '?x=1');
    expect(grant.status).toBe(200);
    expect((await fetch(`${digilocker.baseUrl}/oauth2/1/other?x=1`, { method: 'POST' })).status).toBe(404);
  });

  it('treats a form parameter without a value as omitted (RFC 6749 section 3.1)', async () => {
    const { accessToken } = digilocker.issueTokens();
    const response = await postForm({ token: accessToken, token_type_hint: '' });
    expect(response.status).toBe(200);
    expect(digilocker.isActive(accessToken)).toBe(false);
    // An empty token is no token.
    const empty = await postForm({ token: '', token_type_hint: 'access_token' });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'The token parameter is required',
    });
    // An empty scope is no scope: the grant reports the default one.
    const grant = await postToken('grant_type=client_credentials&scope=', { authorization: basic() });
    expect(await grant.json()).toMatchObject({ scope: 'default' });
  });

  it('refuses credentials both in the Authorization header and in the body (RFC 6749 section 2.3)', async () => {
    const { accessToken } = digilocker.issueTokens();
    const inBody = { client_id: digilocker.clientId, client_secret: digilocker.clientSecret };
    const bearer = await bearerToken();
    for (const authorization of [basic(), `Bearer ${bearer}`]) {
      const response = await postForm({ token: accessToken, ...inBody }, { authorization });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; error_description: string };
      expect(body.error).toBe('invalid_request');
      expect(body.error_description).toMatch(/more than one authentication method/);
    }
    expect(digilocker.isActive(accessToken)).toBe(true);
    const grant = await postToken(`grant_type=client_credentials&${new URLSearchParams(inBody)}`, {
      authorization: basic(),
    });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: 'invalid_request' });
    // A client_id alone in the body identifies the client; it is not a second method.
    const withId = await postForm({ token: accessToken, client_id: digilocker.clientId });
    expect(withId.status).toBe(200);
    expect(digilocker.isActive(accessToken)).toBe(false);
  });

  it('accepts charset parameters, any Accept and unknown extra parameters', async () => {
    const { accessToken } = digilocker.issueTokens();
    const response = await fetch(revokeUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
        accept: 'text/html, */*;q=0.1',
        authorization: basic(),
      },
      body: new URLSearchParams({ token: accessToken, unknown: 'ignored' }).toString(),
    });
    expect(response.status).toBe(200);
    expect(digilocker.isActive(accessToken)).toBe(false);
  });

  describe('token endpoint', () => {
    it('grants a Bearer token to client_secret_basic and client_secret_post, as the spec describes', async () => {
      const viaBasic = await postToken('grant_type=client_credentials&scope=default', {
        authorization: basic(),
      });
      expect(viaBasic.status).toBe(200);
      expect(viaBasic.headers.get('cache-control')).toBe('no-store');
      const grant = (await viaBasic.json()) as Record<string, unknown>;
      expect(grant).toEqual({
        access_token: expect.stringMatching(/^[0-9a-f]{40}$/),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'default',
      });
      const viaPost = await postToken(
        new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: digilocker.clientId,
          client_secret: digilocker.clientSecret,
        }).toString(),
        {},
      );
      expect(viaPost.status).toBe(200);
      expect(digilocker.stats.tokenRequests).toBe(2);
    });

    it.each([
      [
        'a JSON body',
        'application/json',
        '{"grant_type":"client_credentials"}',
        'invalid_request',
        /Content-Type/,
      ],
      ['no grant_type', FORM, 'scope=default', 'invalid_request', /must have required property 'grant_type'/],
      ['another grant type', FORM, 'grant_type=password', 'unsupported_grant_type', /client_credentials/],
    ])('validates the request against the spec: %s gets 400', async (_, type, body, error, description) => {
      const response = await postToken(body, { authorization: basic(), 'content-type': type });
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { error: string; error_description: string };
      expect(answer.error).toBe(error);
      expect(answer.error_description).toMatch(description);
      expect(digilocker.stats.invalidRequest).toBe(1);
      expect(digilocker.stats.invalidClient).toBe(0);
    });

    it('refuses bad client credentials with 401 invalid_client', async () => {
      const response = await postToken('grant_type=client_credentials', {
        authorization: basic(digilocker.clientId, 'wrong'),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    });
  });

  it.each([
    ['a declared length over 64 KiB', true],
    ['a chunked body that never ends', false],
  ])('answers 413 to %s without reading the rest, and closes the connection', async (_, declared) => {
    const { request: send } = await import('node:http');
    const url = new URL(`${digilocker.baseUrl}/oauth2/1/revoke`);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (declared) headers['content-length'] = String(2 ** 30);
    const request = send(url, { method: 'POST', headers });
    request.on('error', () => {}); // the mock closes the connection while we still write
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const pump = setInterval(() => request.write(chunk), 1);
    try {
      const [response] = (await once(request, 'response')) as [import('node:http').IncomingMessage];
      expect(response.statusCode).toBe(413);
      expect(response.headers.connection).toBe('close');
      response.resume();
      await once(request.socket as NonNullable<typeof request.socket>, 'close');
    } finally {
      clearInterval(pump);
      request.destroy();
    }
  });

  describe('fault injection', () => {
    it('answers an injected status with Retry-After, without revoking, for `times` requests', async () => {
      const { accessToken } = digilocker.issueTokens();
      digilocker.inject({ type: 'status', status: 503, retryAfter: 7 }, { times: 2 });
      for (let i = 0; i < 2; i++) {
        const response = await postForm({ token: accessToken });
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('7');
      }
      expect(digilocker.isActive(accessToken)).toBe(true);
      expect((await postForm({ token: accessToken })).status).toBe(200);
      expect(digilocker.stats.faults).toBe(2);
    });

    it.each([
      ['a status no response has', { type: 'status', status: 99 }, RangeError],
      ['a status past 599', { type: 'malformed', status: 1000 }, RangeError],
      [
        'a Retry-After with a line break',
        { type: 'status', status: 429, retryAfter: '1\r\nX-Evil: 1' },
        RangeError,
      ],
      ['a delay no timer can hold', { type: 'delay', ms: 2 ** 31 }, RangeError],
      ['an unknown type', { type: 'reset' }, TypeError],
    ])(
      'refuses a fault it could not apply (%s) at inject(), and keeps serving',
      async (_, fault, ErrorClass) => {
        // @ts-expect-error: deliberately not a MockFault
        expect(() => digilocker.inject(fault)).toThrow(ErrorClass);
        const { accessToken } = digilocker.issueTokens();
        expect((await postForm({ token: accessToken })).status).toBe(200);
        expect(digilocker.stats.faults).toBe(0);
      },
    );

    it('counts every revoke request that names a token: faulted, refused or answered', async () => {
      const { accessToken } = digilocker.issueTokens();
      digilocker.inject({ type: 'status', status: 503 });
      expect((await postForm({ token: accessToken })).status).toBe(503);
      expect((await postForm({ token: accessToken }, { authorization: basic('x', 'y') })).status).toBe(401);
      expect((await postJson({ token: accessToken })).status).toBe(200);
      expect((await postForm({ token: accessToken })).status).toBe(400);
      expect(digilocker.revokeRequestsFor(accessToken)).toBe(4);
      expect(digilocker.revokeRequestsFor('never-named')).toBe(0);
    });

    it('applies faults in order', async () => {
      digilocker.inject({ type: 'status', status: 429 });
      digilocker.inject({ type: 'status', status: 500 });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await postForm({ token: 'x' })).status);
      expect(statuses).toEqual([429, 500, 400]);
    });

    it('delays an answer', async () => {
      const { accessToken } = digilocker.issueTokens();
      digilocker.inject({ type: 'delay', ms: 150 });
      const started = performance.now();
      expect((await postForm({ token: accessToken })).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });

    it.each([true, false])(
      'drops the connection after receiving the request (revoke first: %s)',
      async (revoke) => {
        const { accessToken } = digilocker.issueTokens();
        digilocker.inject({ type: 'drop', revoke });
        await expect(postForm({ token: accessToken })).rejects.toThrow('fetch failed');
        expect(digilocker.isActive(accessToken)).toBe(!revoke);
      },
    );

    it('answers a malformed body', async () => {
      digilocker.inject({ type: 'malformed', status: 502 });
      const response = await postForm({ token: 'x' });
      expect(response.status).toBe(502);
      await expect(response.clone().json()).rejects.toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    });

    it('forgets queued faults on clearFaults()', async () => {
      digilocker.inject({ type: 'status', status: 503 }, { times: 5 });
      digilocker.clearFaults();
      expect((await postForm({ token: 'x' })).status).toBe(400);
    });
  });

  it('close() ends idle keep-alive connections', async () => {
    await postForm({ token: 'x' });
    await digilocker.close();
    await expect(postForm({ token: 'x' })).rejects.toThrow('fetch failed'); // connection refused
    digilocker = await startMockDigiLocker(); // afterEach closes this one
  });
});

function tokenUrl(): string {
  return `${digilocker.baseUrl}/oauth2/1/token`;
}

function postToken(body: string, headers: Record<string, string>, query = '') {
  return fetch(`${tokenUrl()}${query}`, {
    method: 'POST',
    headers: { 'content-type': FORM, ...headers },
    body,
  });
}

async function bearerToken(): Promise<string> {
  const response = await postToken('grant_type=client_credentials', { authorization: basic() });
  return ((await response.json()) as { access_token: string }).access_token;
}

function postText(body: string, contentType: string) {
  return fetch(revokeUrl, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: basic() },
    body,
  });
}

function postJsonText(body: string) {
  return postText(body, 'application/json');
}
