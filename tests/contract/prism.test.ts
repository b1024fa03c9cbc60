// Contract test: Prism (proxy mode, with --errors: any request or response that breaks the spec becomes
// an error answer) sits between the client and the mock DigiLocker with openapi/digilocker-revocation.yaml.
// With the mock's default empty 200 and with each 200 body the spec documents as observed, every
// encoding x authentication the client allows, with and without token_type_hint, must cause zero
// violations; so must every error path of the mock with its defaults. A wrong request or response
// must be reported.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import spec from '../../generated/openapi.json';
import {
  clientCredentialsTokenProvider,
  createRevocationClient,
  type RevocationClientOptions,
} from '../../src';
import { type MockDigiLocker, type MockDigiLockerOptions, startMockDigiLocker } from '../../src/testing';

const root = join(__dirname, '../..');
const FORM = 'application/x-www-form-urlencoded';

/** The 200 bodies the spec documents as seen on some deployments (none of them required). */
const OBSERVED_BODIES = spec.paths['/oauth2/1/revoke'].post.responses['200']['x-digilocker-observed-bodies'];

interface Fixture {
  digilocker: MockDigiLocker;
  prismUrl: string;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A mock DigiLocker with Prism in front of it, for the tests of one describe block. */
function usePrismFixture(options: MockDigiLockerOptions): Fixture {
  const fixture = {} as Fixture;
  let prism: ChildProcess | undefined;
  beforeAll(async () => {
    fixture.digilocker = await startMockDigiLocker(options);
    const port = await freePort();
    fixture.prismUrl = `http://127.0.0.1:${port}`;
    prism = spawn(
      join(root, 'node_modules/.bin/prism'),
      [
        'proxy',
        join(root, 'openapi/digilocker-revocation.yaml'),
        fixture.digilocker.baseUrl,
        '--errors',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    prism.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    prism.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const deadline = Date.now() + 30_000;
    while (!output.includes('Prism is listening')) {
      if (Date.now() > deadline || prism.exitCode !== null)
        throw new Error(`Prism did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 40_000);
  afterAll(async () => {
    prism?.kill();
    await fixture.digilocker?.close();
  });
  return fixture;
}

/** A fetch that records Prism's `sl-violations` header of every answer. */
function recordingFetch(violations: string[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const header = response.headers.get('sl-violations');
    if (header) violations.push(header);
    return response;
  };
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

const COMBOS = [
  ['form', 'basic'],
  ['form', 'post'],
  ['form', 'bearer'],
  ['json', 'basic'],
  ['json', 'bearer'],
] as const;

const SUCCESS_BODIES: [string, MockDigiLockerOptions][] = [
  ["the mock's default (empty)", {}],
  // The empty body is the default's; each other documented body gets a mock of its own.
  ...OBSERVED_BODIES.filter((body) => body !== '').map((body): [string, MockDigiLockerOptions] => [
    `documented ${JSON.stringify(body)}`,
    { successBody: body as MockDigiLockerOptions['successBody'] },
  ]),
];

it('documents the empty body and the bodies seen on some deployments', () => {
  expect(OBSERVED_BODIES).toEqual(['', '{}', '{"revoked":true}']);
});

describe.each(SUCCESS_BODIES)('200 with %s body', (_, options) => {
  const fixture = usePrismFixture(options);

  it('reaches the client unchanged, with no violation', async () => {
    const { digilocker, prismUrl } = fixture;
    const { accessToken } = digilocker.issueTokens();
    const response = await fetch(`${prismUrl}/oauth2/1/revoke`, {
      method: 'POST',
      headers: { 'content-type': FORM, authorization: basic(digilocker.clientId, digilocker.clientSecret) },
      body: new URLSearchParams({ token: accessToken }).toString(),
    });
    expect(response.headers.get('sl-violations')).toBeNull();
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(options.successBody ?? '');
    expect(digilocker.isActive(accessToken)).toBe(false);
  });

  describe.each(COMBOS)('%s body, %s authentication', (encoding, auth) => {
    it.each([undefined, 'access_token', 'refresh_token'] as const)(
      'token_type_hint %s: no violation',
      async (hint) => {
        const { digilocker, prismUrl } = fixture;
        const violations: string[] = [];
        const credentials = { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret };
        // Prism serves the spec's paths at its root and forwards them to the upstream URL, which has /public.
        const options: RevocationClientOptions = {
          baseUrl: prismUrl,
          bodyEncoding: encoding,
          retry: false,
          fetch: recordingFetch(violations),
        };
        if (auth === 'bearer') {
          // The token endpoint is part of the spec too: its requests go through Prism as well.
          options.accessToken = clientCredentialsTokenProvider({
            ...credentials,
            tokenUrl: `${prismUrl}/oauth2/1/token`,
            scope: 'default',
            fetch: recordingFetch(violations),
          });
        } else {
          options.credentials = credentials;
          options.clientAuthentication = auth === 'post' ? 'client_secret_post' : 'client_secret_basic';
        }
        const session = digilocker.issueTokens();
        const token = hint === 'refresh_token' ? session.refreshToken : session.accessToken;

        const result = await createRevocationClient(options).revoke(
          token,
          hint ? { tokenTypeHint: hint } : {},
        );
        expect(violations).toEqual([]);
        expect(result.outcome).toBe('revoked');
        expect(digilocker.isActive(token)).toBe(false);
      },
    );
  });
});

describe("error paths with the mock's defaults", () => {
  const fixture = usePrismFixture({});

  function send(path: string, headers: Record<string, string>, body?: string) {
    return fetch(`${fixture.prismUrl}${path}`, { method: 'POST', headers, body });
  }
  const goodBasic = () => basic(fixture.digilocker.clientId, fixture.digilocker.clientSecret);
  const inBody = () =>
    new URLSearchParams({
      client_id: fixture.digilocker.clientId,
      client_secret: fixture.digilocker.clientSecret,
    }).toString();

  const CASES: [string, number, string, () => Promise<Response>][] = [
    [
      'revoke an unknown token',
      400,
      'invalid_token',
      () => send('/oauth2/1/revoke', { 'content-type': FORM, authorization: goodBasic() }, 'token=unknown'),
    ],
    ['revoke without a body', 400, 'invalid_request', () => send('/oauth2/1/revoke', {})],
    [
      'revoke with credentials in the header and the body',
      400,
      'invalid_request',
      () =>
        send('/oauth2/1/revoke', { 'content-type': FORM, authorization: goodBasic() }, `token=t&${inBody()}`),
    ],
    [
      'revoke with a wrong client secret',
      401,
      'invalid_client',
      () =>
        send(
          '/oauth2/1/revoke',
          { 'content-type': FORM, authorization: basic(fixture.digilocker.clientId, 'wrong') },
          'token=t',
        ),
    ],
    [
      'revoke with an unknown Bearer token',
      401,
      'invalid_client',
      () =>
        send(
          '/oauth2/1/revoke',
          { 'content-type': 'application/json', authorization: 'Bearer not-issued' },
          '{"token":"t"}',
        ),
    ],
    ...([429, 500, 503] as const).map((status): [string, number, string, () => Promise<Response>] => [
      `revoke meets an injected ${status}`,
      status,
      'injected_fault',
      () => {
        fixture.digilocker.inject({ type: 'status', status, retryAfter: status === 500 ? undefined : 1 });
        return send('/oauth2/1/revoke', { 'content-type': FORM, authorization: goodBasic() }, 'token=t');
      },
    ]),
    [
      'token request with a wrong client secret',
      401,
      'invalid_client',
      () =>
        send(
          '/oauth2/1/token',
          { 'content-type': FORM, authorization: basic(fixture.digilocker.clientId, 'wrong') },
          'grant_type=client_credentials',
        ),
    ],
    [
      'token request with credentials in the header and the body',
      400,
      'invalid_request',
      () =>
        send(
          '/oauth2/1/token',
          { 'content-type': FORM, authorization: goodBasic() },
          `grant_type=client_credentials&${inBody()}`,
        ),
    ],
  ];

  it.each(CASES)('%s: %i %s, no violation', async (_, status, error, request) => {
    const response = await request();
    expect(response.headers.get('sl-violations')).toBeNull();
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error });
  });

  it('a token request the spec allows: 200, no violation', async () => {
    const response = await send(
      '/oauth2/1/token',
      { 'content-type': FORM },
      `grant_type=client_credentials&${inBody()}`,
    );
    expect(response.headers.get('sl-violations')).toBeNull();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
  });

  it('reports a form request that breaks the spec (the check can fail)', async () => {
    const response = await send('/oauth2/1/revoke', { 'content-type': FORM }, 'token_type_hint=access_token');
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('required');
  });

  it('reports a JSON request that breaks the spec', async () => {
    const response = await send(
      '/oauth2/1/revoke',
      { 'content-type': 'application/json' },
      JSON.stringify({ token_type_hint: 'id_token' }),
    );
    expect(response.status).toBe(422);
    const { validation } = (await response.json()) as { validation: { location: string[]; code: string }[] };
    expect(validation).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ location: ['body'], code: 'required' }),
        expect.objectContaining({ location: ['body', 'token_type_hint'], code: 'enum' }),
      ]),
    );
  });

  it('reports a token request that breaks the spec', async () => {
    const response = await send('/oauth2/1/token', { 'content-type': FORM }, 'grant_type=password');
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('grant_type');
  });

  it('reports a response that breaks the spec (the check can fail)', async () => {
    fixture.digilocker.inject({ type: 'status', status: 503, body: '{"error": 5}' });
    const response = await send('/oauth2/1/revoke', { 'content-type': FORM }, 'token=t');
    expect(response.status).toBe(500);
    expect(response.headers.get('sl-violations')).toContain('must be string');
  });
});
