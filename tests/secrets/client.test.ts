// No secret ever leaves the client in what it reports: drive every failure path against a server that
// echoes the token, the client secret, the bearer token and the Basic credentials back, and look for them
// in every error (message, stack, JSON, util.inspect), every onEvent event and every outcome.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import nock from 'nock';
import {
  clientCredentialsTokenProvider,
  createRevocationClient,
  type RevocationClientOptions,
  RevocationError,
  type RevocationEvent,
} from '../../src';
import { formEncode, leaksIn, renderings } from '../support/canaries';

const TOKEN = 'CANARY-TOKEN-7f3a9c';
const SECRET = 'CANARY-SECRET-91b2e';
const BEARER = 'CANARY-BEARER-55d1';
const CLIENT_ID = 'client-id-1';
/** The base64 part of the Basic header (client id and secret are the same form-encoded). */
const BASIC_VALUE = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');

/** Every value that must never appear, in any of its encodings. */
const FORBIDDEN = [TOKEN, SECRET, BEARER, BASIC_VALUE];

/** Everything the client reported during a test: error texts, events and outcomes. */
let reported: string[] = [];
const events: RevocationEvent[] = [];

/** Records an error (or any value) in each of the forms it could end up in a log. */
function report(value: unknown): void {
  reported.push(...renderings(value));
}

function expectNothingLeaked(): void {
  for (const event of events) report(event);
  expect(leaksIn(reported, FORBIDDEN)).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------------
// A local DigiLocker that echoes what it gets

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;
let revokeHandler: Handler;
let tokenHandler: Handler;
let baseUrl = '';
const server = createServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => {
    body += chunk;
  });
  request.on('end', () =>
    (request.url?.endsWith('/oauth2/1/token') ? tokenHandler : revokeHandler)(request, response, body),
  );
});

/**
 * Text that repeats everything the request carried, raw and decoded, and again in every form a server
 * might: the token, the client secret (and the bare base64 of Basic) or the bearer token it was sent.
 */
function echo(request: IncomingMessage, body: string): string {
  const authorization = request.headers.authorization ?? '';
  const sentCredentials = authorization.startsWith('Basic ') || body.includes('client_secret=');
  const decoded = authorization.startsWith('Basic ')
    ? Buffer.from(authorization.slice(6), 'base64').toString('utf8')
    : '';
  const parts = [`body=${body}`, `authorization=${authorization}`, `decoded=${decoded}`];
  if (body.includes(TOKEN)) parts.push(`token=${TOKEN} ${encodeURIComponent(TOKEN)} ${formEncode(TOKEN)}`);
  if (sentCredentials) parts.push(`secret=${SECRET} ${formEncode(SECRET)}`);
  if (authorization.startsWith('Basic ')) {
    parts.push(`basic=${BASIC_VALUE} ${encodeURIComponent(BASIC_VALUE)}`);
  }
  if (authorization.startsWith('Bearer ')) parts.push(`bearer=${BEARER}`);
  return parts.join(' | ');
}

const answerJson =
  (status: number, error: string | undefined, headers: Record<string, string> = {}): Handler =>
  (request, response, body) => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(JSON.stringify({ error, error_description: echo(request, body) }));
  };
const answerText =
  (status: number, contentType: string): Handler =>
  (request, response, body) => {
    response.writeHead(status, { 'Content-Type': contentType });
    response.end(`<html><body>${echo(request, body)}</body></html>`);
  };
const destroySocket: Handler = (request) => request.socket.destroy();
/** A response no HTTP parser accepts, whose bad header line echoes the request (a gateway gone wrong). */
const malformedEcho: Handler = (request, _response, body) =>
  request.socket.end(`HTTP/1.1 400 Bad Request\r\nX\x01Echo: ${echo(request, body)}\r\n\r\n`);
const neverAnswer: Handler = () => {};
const issueBearer: Handler = (_request, response) => {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ access_token: BEARER, token_type: 'Bearer', expires_in: 3600 }));
};

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  // Idle connections stay open for the whole file: a server closing one as the client reuses it would
  // turn an answer into a network error.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/public`;
});
beforeEach(() => {
  reported = [];
  events.length = 0;
  revokeHandler = answerJson(500, 'server_error');
  tokenHandler = issueBearer;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  nock.enableNetConnect();
  nock.restore(); // nock patches node:http for the whole jest worker; later files need the real one
});

// ---------------------------------------------------------------------------------------------------------

const AUTHENTICATIONS: [string, () => Partial<RevocationClientOptions>][] = [
  ['client_secret_basic', () => ({ credentials: { clientId: CLIENT_ID, clientSecret: SECRET } })],
  [
    'client_secret_post',
    () => ({
      credentials: { clientId: CLIENT_ID, clientSecret: SECRET },
      clientAuthentication: 'client_secret_post',
    }),
  ],
  ['a bearer string', () => ({ accessToken: BEARER })],
  ['a bearer function', () => ({ accessToken: async () => BEARER })],
  [
    'clientCredentialsTokenProvider',
    () => ({ accessToken: clientCredentialsTokenProvider({ clientId: CLIENT_ID, clientSecret: SECRET }) }),
  ],
];

/**
 * A fetch that rejects with `rejection(sent)`: `sent` is the request's body and Authorization header,
 * what a custom fetch's error could quote.
 */
function fetchRejectingWith(
  rejection: (sent: string, request: { body: string; authorization: string }) => unknown,
): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = await request.text();
    const authorization = request.headers.get('authorization') ?? '';
    throw rejection(`${body} ${authorization}`, { body, authorization });
  };
}

/** An error that quotes `sent`, and the secret and the Basic value in its message, code and name. */
function quotingError(sent: string): Error {
  return Object.assign(new Error(`refused: ${sent} ${SECRET}`), { code: SECRET, name: BASIC_VALUE });
}

/** An error whose `code`, `message`, `name` and `cause` getters throw an error quoting `sent`. */
function getterThrows(sent: string): Error {
  const thrower = () => {
    throw new Error(`getter saw ${sent}`);
  };
  const error = new Error('placeholder');
  for (const key of ['code', 'message', 'name', 'cause']) Object.defineProperty(error, key, { get: thrower });
  return error;
}

/** A Proxy of an error whose every trap (property reads, prototype, keys) throws an error quoting `sent`. */
function trapThrows(sent: string): Error {
  const thrower = () => {
    throw new Error(`trap saw ${sent}`);
  };
  return new Proxy(new Error('placeholder'), {
    get: thrower,
    getPrototypeOf: thrower,
    has: thrower,
    ownKeys: thrower,
    getOwnPropertyDescriptor: thrower,
  });
}

/** Rejections whose reading throws an error that quotes the request. */
const HOSTILE_REJECTIONS: [string, (sent: string) => Error][] = [
  ['whose getters throw errors that quote it', getterThrows],
  ['that is a Proxy whose every trap throws an error quoting it', trapThrows],
];

function client(options: Partial<RevocationClientOptions> = {}) {
  return createRevocationClient({
    baseUrl,
    credentials: { clientId: CLIENT_ID, clientSecret: SECRET },
    retry: { maxAttempts: 2, baseDelayMs: 0 },
    random: () => 0,
    onEvent: (event) => events.push(event),
    ...options,
  });
}

/** Reports the error a call fails with, and returns it. */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    report(await promise);
  } catch (error) {
    report(error);
    return error;
  }
  throw new Error('expected a failure');
}

const ERROR_ANSWERS: [string, number, Handler][] = [
  ['400 invalid_token', 400, answerJson(400, 'invalid_token')],
  ['400 without an error code', 400, answerJson(400, undefined)],
  ['400 invalid_request', 400, answerJson(400, 'invalid_request')],
  ['400 with the token as its error code', 400, answerJson(400, `bad_${TOKEN}`)],
  ['400 in HTML', 400, answerText(400, 'text/html')],
  ['401', 401, answerJson(401, 'invalid_client')],
  ['403', 403, answerJson(403, 'access_denied')],
  ['404 in plain text', 404, answerText(404, 'text/plain')],
  ['409', 409, answerJson(409, 'conflict')],
  ['429', 429, answerJson(429, 'slow_down', { 'Retry-After': '0' })],
  ['500', 500, answerJson(500, 'server_error')],
  ['503 in HTML', 503, answerText(503, 'text/html')],
];

describe.each(AUTHENTICATIONS)('with %s', (_label, authentication) => {
  it.each(ERROR_ANSWERS)(
    'reports no secret from a %s answer that echoes every secret',
    async (_answer, status, handler) => {
      revokeHandler = handler;
      const error = await failureOf(client({ credentials: undefined, ...authentication() }).revoke(TOKEN));
      expect(error).toBeInstanceOf(RevocationError);
      expect(error).toMatchObject({ status });
      expectNothingLeaked();
    },
  );

  it('reports no secret from a dropped connection', async () => {
    revokeHandler = destroySocket;
    await failureOf(client({ credentials: undefined, ...authentication() }).revoke(TOKEN));
    expect(events.some((event) => event.type === 'error' && event.code === 'network_error')).toBe(true);
    expectNothingLeaked();
  });

  it('reports no secret from an answer no HTTP parser accepts, which echoes every secret', async () => {
    revokeHandler = malformedEcho;
    await failureOf(client({ credentials: undefined, ...authentication() }).revoke(TOKEN));
    expect(events.some((event) => event.type === 'error' && event.code === 'network_error')).toBe(true);
    expectNothingLeaked();
  });

  it("reports no secret from a custom fetch's error that quotes the request in its code, name, message and cause", async () => {
    const quoting = fetchRejectingWith((sent, { body, authorization }) =>
      Object.assign(new Error(`refused: ${sent}`), {
        code: new URLSearchParams(body).get('token') ?? 'no-token',
        name: `Proxy ${authorization}`,
        cause: Object.assign(new Error(`upstream: ${decodeURIComponent(sent)}`), {
          code: authorization.split(' ')[1] ?? '',
        }),
      }),
    );
    const error = await failureOf(
      client({ credentials: undefined, ...authentication(), fetch: quoting }).revoke(TOKEN),
    );
    expect(error).toMatchObject({ code: 'network_error' });
    // No code in the message: the fetch's is not a system error code.
    expect((error as Error).message).toMatch(/^The request to (DigiLocker|the token endpoint) failed$/);
    expectNothingLeaked();
  });

  it.each(HOSTILE_REJECTIONS)(
    'reports no secret from a custom fetch rejecting with an error %s',
    async (_label, rejection) => {
      const quoting = fetchRejectingWith(rejection);
      const error = await failureOf(
        client({ credentials: undefined, ...authentication(), fetch: quoting }).revoke(TOKEN),
      );
      expect(error).toMatchObject({ code: 'network_error' });
      expectNothingLeaked();
    },
  );

  it('reports no secret from an attempt that timed out', async () => {
    revokeHandler = neverAnswer;
    await failureOf(client({ credentials: undefined, ...authentication(), timeoutMs: 50 }).revoke(TOKEN));
    expect(events.some((event) => event.type === 'error' && event.code === 'timeout')).toBe(true);
    expectNothingLeaked();
  });
});

describe('the token endpoint', () => {
  it('a provider shows no secret when inspected, hidden properties included', () => {
    const provider = clientCredentialsTokenProvider({ clientId: CLIENT_ID, clientSecret: SECRET });
    report(inspect(provider, { showHidden: true, depth: 10 }));
    expectNothingLeaked();
  });

  // A short time limit only where the endpoint never answers: elsewhere the answer must be read.
  const provided = (timeoutMs: number) =>
    client({
      credentials: undefined,
      accessToken: clientCredentialsTokenProvider({
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        timeoutMs,
      }),
    });

  it.each([
    ['401 invalid_client', 401, answerJson(401, 'invalid_client')],
    ['400 invalid_grant', 400, answerJson(400, 'invalid_grant')],
    ['400 with the secret as its error code', 400, answerJson(400, `bad_${SECRET}_${BASIC_VALUE}`)],
    ['500 in HTML', 500, answerText(500, 'text/html')],
    ['200 without an access_token', 200, answerJson(200, undefined)],
    ['200 in HTML', 200, answerText(200, 'text/html')],
  ])('reports no secret when it fails with %s', async (_label, status, handler) => {
    tokenHandler = handler;
    const error = await failureOf(provided(10_000).revoke(TOKEN));
    expect(error).toBeInstanceOf(RevocationError);
    expect(error).toMatchObject({ status });
    expectNothingLeaked();
  });

  it.each([
    ['that quotes it, the secret and the Basic value', (sent: string) => quotingError(sent)],
    ...HOSTILE_REJECTIONS,
  ])(
    'reports no secret from a custom fetch rejecting the token request with an error %s',
    async (_label, rejection) => {
      const provider = clientCredentialsTokenProvider({
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        fetch: fetchRejectingWith(rejection),
      });
      await failureOf(client({ credentials: undefined, accessToken: provider }).revoke(TOKEN));
      expectNothingLeaked();
    },
  );

  it.each([
    ['a dropped connection', destroySocket],
    ['no answer', neverAnswer],
    ['an answer no HTTP parser accepts, which echoes every secret', malformedEcho],
  ])('reports no secret when it fails with %s', async (_label, handler) => {
    tokenHandler = handler;
    await failureOf(provided(100).revoke(TOKEN));
    expectNothingLeaked();
  });
});

describe('invalid input', () => {
  it('never echoes a bad token, hint or option of revoke in its error', async () => {
    const revoker = client();
    await failureOf(revoker.revoke(`${TOKEN}\n`));
    await failureOf(revoker.revoke(`\u0000${TOKEN}`));
    await failureOf(revoker.revoke(TOKEN.repeat(300)));
    await failureOf(revoker.revoke(TOKEN, { tokenTypeHint: TOKEN as 'access_token' }));
    await failureOf(revoker.revoke(TOKEN, { signal: TOKEN as unknown as AbortSignal }));
    expectNothingLeaked();
  });

  it('never echoes a secret given as a bad client option', () => {
    const attempts: Record<string, unknown>[] = [
      { credentials: { clientId: CLIENT_ID, clientSecret: `${SECRET}\u0000` } },
      { credentials: { clientId: CLIENT_ID, clientSecret: SECRET.repeat(300) } },
      { credentials: { clientId: SECRET, clientSecret: 42 } },
      { credentials: { clientId: CLIENT_ID, clientSecret: SECRET }, accessToken: BEARER },
      { accessToken: `${BEARER}\r\n` },
      { accessToken: BEARER, baseUrl: `https://${CLIENT_ID}:${SECRET}@digilocker.example/public` },
      { accessToken: BEARER, baseUrl: `https://digilocker.example/public?token=${TOKEN}` },
      { accessToken: BEARER, userAgent: `${SECRET}\n` },
      { accessToken: BEARER, environment: SECRET },
    ];
    for (const options of attempts) {
      expect(() => {
        try {
          createRevocationClient(options as RevocationClientOptions);
        } catch (error) {
          report(error);
          throw error;
        }
      }).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    }
    expectNothingLeaked();
  });

  it('never echoes a bad provider option or a bad token from an access-token function', async () => {
    for (const options of [
      { clientId: CLIENT_ID, clientSecret: `${SECRET}\t` },
      { clientId: SECRET, clientSecret: '' },
      { clientId: CLIENT_ID, clientSecret: SECRET, scope: 7 },
    ]) {
      try {
        clientCredentialsTokenProvider(options as { clientId: string; clientSecret: string });
      } catch (error) {
        report(error);
      }
    }
    await failureOf(client({ credentials: undefined, accessToken: async () => `${BEARER}\n` }).revoke(TOKEN));
    expect(reported.length).toBeGreaterThan(3 * 2);
    expectNothingLeaked();
  });
});

describe('revokeMany and signOut', () => {
  it('keeps secrets out of revokeMany outcomes, of failed and of invalid inputs', async () => {
    revokeHandler = answerJson(503, 'temporarily_unavailable');
    const outcomes = [];
    for await (const outcome of client().revokeMany([
      TOKEN,
      { token: TOKEN, id: 'row-1' },
      `${TOKEN}\u0007`,
      { token: TOKEN, tokenTypeHint: SECRET as 'access_token' },
      { token: TOKEN.repeat(300) },
    ])) {
      outcomes.push(outcome);
      if (!outcome.ok) report(outcome.error);
    }
    expect(outcomes).toHaveLength(5);
    const answered = outcomes.filter((o) => !o.ok && o.error instanceof RevocationError);
    expect(answered.map((o) => !o.ok && (o.error as RevocationError).status)).toEqual([503, 503]);
    report(outcomes);
    expectNothingLeaked();
  });

  it('keeps secrets out of revokeMany argument errors', () => {
    const revoker = client();
    for (const [tokens, options] of [
      [TOKEN, {}],
      [[TOKEN], { concurrency: TOKEN }],
      [[TOKEN], { tokenTypeHint: SECRET }],
    ] as const) {
      try {
        revoker.revokeMany(tokens as unknown as string[], options as unknown as { concurrency: number });
      } catch (error) {
        report(error);
      }
    }
    expect(reported.length).toBe(3 * 4);
    expectNothingLeaked();
  });

  it('keeps secrets out of signOut results with failed tokens', async () => {
    revokeHandler = (request, response, body) =>
      (body.includes('refresh_token') ? answerText(503, 'text/html') : answerJson(400, 'invalid_request'))(
        request,
        response,
        body,
      );
    const result = await client({ retry: false }).signOut({ refreshToken: TOKEN, accessToken: TOKEN });
    expect(result).toMatchObject({
      complete: false,
      refreshToken: { ok: false, error: { status: 503 } },
      accessToken: { ok: false, error: { status: 400, oauthError: 'invalid_request' } },
    });
    report(result);
    if (result.refreshToken && !result.refreshToken.ok) report(result.refreshToken.error);
    if (result.accessToken && !result.accessToken.ok) report(result.accessToken.error);
    expectNothingLeaked();
  });

  it('keeps secrets out of signOut input errors', async () => {
    const revoker = client();
    await failureOf(revoker.signOut({ refreshToken: `${TOKEN}\n`, accessToken: TOKEN }));
    await failureOf(revoker.signOut({ accessToken: TOKEN.repeat(300) }));
    await failureOf(revoker.signOut({ accessToken: TOKEN }, { signal: SECRET as unknown as AbortSignal }));
    expectNothingLeaked();
  });
});
