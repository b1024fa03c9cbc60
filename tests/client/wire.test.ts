// The spec-derived client (src/wire.ts) sends what the OpenAPI document describes, for both encodings.
import fc from 'fast-check';
import nock from 'nock';
import { createRawClient, formEncode, postRevocation, REVOKE_PATH } from '../../src/wire';
import { BASE } from '../support/fixtures';
import { useNock } from '../support/use-nock';

useNock();

describe('the generated client', () => {
  it('posts a form-urlencoded body to /oauth2/1/revoke with Accept: application/json', async () => {
    const scope = nock(BASE, {
      reqheaders: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': 'test-agent',
      },
    })
      .post('/oauth2/1/revoke', 'token=abc%2B%2F%3D&token_type_hint=refresh_token')
      .reply(200);

    const raw = createRawClient(BASE);
    const { response } = await postRevocation(raw, {
      body: { token: 'abc+/=', token_type_hint: 'refresh_token' },
      encoding: 'form',
      headers: { 'User-Agent': 'test-agent' },
    });

    expect(response.status).toBe(200);
    expect(scope.isDone()).toBe(true);
  });

  it('posts a JSON body and leaves client credentials out of it', async () => {
    const scope = nock(BASE, {
      reqheaders: { 'content-type': 'application/json', accept: 'application/json' },
    })
      .post(
        '/oauth2/1/revoke',
        (body) => JSON.stringify(body) === '{"token":"t-1","token_type_hint":"access_token"}',
      )
      .reply(200, {});

    const raw = createRawClient(BASE);
    const { response } = await postRevocation(raw, {
      body: { token: 't-1', token_type_hint: 'access_token', client_id: 'id', client_secret: 'secret' },
      encoding: 'json',
    });

    expect(response.status).toBe(200);
    expect(scope.isDone()).toBe(true);
  });

  it('sends client_secret_post fields in a form body', async () => {
    const scope = nock(BASE).post(REVOKE_PATH, 'token=t-2&client_id=my+id&client_secret=s%26cret').reply(200);

    const raw = createRawClient(BASE);
    await postRevocation(raw, {
      body: { token: 't-2', client_id: 'my id', client_secret: 's&cret' },
      encoding: 'form',
    });
    expect(scope.isDone()).toBe(true);
  });

  it('hands back a 200 body unread, whatever it holds (success is decided on the status)', async () => {
    nock(BASE).post(REVOKE_PATH).reply(200, 'OK', { 'Content-Type': 'text/plain' });
    const { response, data } = await postRevocation(createRawClient(BASE), {
      body: { token: 't' },
      encoding: 'form',
    });
    expect(response.ok).toBe(true);
    expect(data).toBeInstanceOf(ReadableStream);
    expect(await new Response(data as ReadableStream).text()).toBe('OK');
  });

  it('parses an OAuth error body', async () => {
    nock(BASE)
      .post(REVOKE_PATH)
      .reply(400, { error: 'invalid_token', error_description: 'The token is invalid' });
    const { response, error } = await postRevocation(createRawClient(BASE), {
      body: { token: 't' },
      encoding: 'json',
    });
    expect(response.status).toBe(400);
    expect(error).toEqual({ error: 'invalid_token', error_description: 'The token is invalid' });
  });
});

describe('formEncode', () => {
  it('serialises exactly as URLSearchParams does, for any strings', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string({ unit: 'binary' })), (fields) => {
        expect(formEncode(fields)).toBe(new URLSearchParams(fields).toString());
      }),
      { numRuns: 2000 },
    );
    expect(formEncode({ token: "a b!'()~*-._é", skipped: undefined })).toBe(
      'token=a+b%21%27%28%29%7E*-._%C3%A9',
    );
  });
});
