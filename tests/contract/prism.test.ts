// Contract test: Prism (proxy mode, request validation on) sits between the client and the mock
// DigiLocker with openapi/digilocker-revocation.yaml. Every encoding x authentication the client allows,
// with and without token_type_hint, must cause zero violations; a wrong request must be reported.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  clientCredentialsTokenProvider,
  createRevocationClient,
  type RevocationClientOptions,
} from '../../src';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';

const root = join(__dirname, '../..');
let digilocker: MockDigiLocker;
let prism: ChildProcess;
let prismUrl: string;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  // Prism checks 200 bodies against the spec's JSON schema: answer `{}`, one of the documented bodies.
  digilocker = await startMockDigiLocker({ successBody: '{}' });
  const port = await freePort();
  prismUrl = `http://127.0.0.1:${port}`;
  prism = spawn(
    join(root, 'node_modules/.bin/prism'),
    [
      'proxy',
      join(root, 'openapi/digilocker-revocation.yaml'),
      digilocker.baseUrl,
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
    if (Date.now() > deadline || prism.exitCode !== null) throw new Error(`Prism did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 40_000);

afterAll(async () => {
  prism?.kill();
  await digilocker?.close();
});

/** A fetch that records Prism's `sl-violations` header of every answer. */
function recordingFetch(violations: string[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const header = response.headers.get('sl-violations');
    if (header) violations.push(header);
    return response;
  };
}

const COMBOS = [
  ['form', 'basic'],
  ['form', 'post'],
  ['form', 'bearer'],
  ['json', 'basic'],
  ['json', 'bearer'],
] as const;

describe.each(COMBOS)('%s body, %s authentication', (encoding, auth) => {
  it.each([undefined, 'access_token', 'refresh_token'] as const)(
    'token_type_hint %s: no violation',
    async (hint) => {
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
        // The token endpoint is not part of the revocation spec: fetch the token from the mock directly.
        options.accessToken = clientCredentialsTokenProvider({
          ...credentials,
          tokenUrl: `${digilocker.baseUrl}/oauth2/1/token`,
        });
      } else {
        options.credentials = credentials;
        options.clientAuthentication = auth === 'post' ? 'client_secret_post' : 'client_secret_basic';
      }
      const session = digilocker.issueTokens();
      const token = hint === 'refresh_token' ? session.refreshToken : session.accessToken;

      const result = await createRevocationClient(options).revoke(token, hint ? { tokenTypeHint: hint } : {});
      expect(result.outcome).toBe('revoked');
      expect(violations).toEqual([]);
      expect(digilocker.isActive(token)).toBe(false);
    },
  );
});

it('reports a form request that breaks the spec', async () => {
  const response = await fetch(`${prismUrl}/oauth2/1/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'token_type_hint=access_token',
  });
  expect(response.headers.get('sl-violations')).toContain('required');
});

it('reports a request that breaks the spec (the check can fail)', async () => {
  const response = await fetch(`${prismUrl}/oauth2/1/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token_type_hint: 'id_token' }),
  });
  const violations = JSON.parse(response.headers.get('sl-violations') ?? '[]') as {
    location: string[];
    code: string;
  }[];
  expect(violations).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ location: ['request', 'body'], code: 'required' }),
      expect.objectContaining({ location: ['request', 'body', 'token_type_hint'], code: 'enum' }),
    ]),
  );
});
