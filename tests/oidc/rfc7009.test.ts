// Revocation against a real RFC 7009 authorization server that no one here wrote (oidc-provider, in a
// child process on 127.0.0.1): every token is checked by introspection, active before and inactive
// after, over each client authentication the client offers that the server accepts at its revocation
// endpoint (client_secret_basic, client_secret_post). oidc-provider also accepts client_secret_jwt,
// private_key_jwt and none there, which this client does not send.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type ClientAuthenticationMethod,
  createRevocationClient,
  UnauthorizedClientError,
  UnsupportedTokenTypeError,
} from '../../src';
import { createNodeFetch, type NodeFetch } from '../../src/node';

interface Client {
  client_id: string;
  client_secret: string;
  token_endpoint_auth_method: ClientAuthenticationMethod;
}

let server: ChildProcess;
let origin: string;
let mint: string;
let clients: Map<string, Client>;
let nodeFetch: NodeFetch;

beforeAll(async () => {
  server = spawn(process.execPath, [join(__dirname, 'authorization-server.mjs')], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [line] = (await once(createInterface({ input: server.stdout as NodeJS.ReadableStream }), 'line')) as [
    string,
  ];
  const started = JSON.parse(line) as { origin: string; mint: string; clients: Client[] };
  ({ origin, mint } = started);
  clients = new Map(started.clients.map((client) => [client.client_id, client]));
  nodeFetch = createNodeFetch();
}, 30_000);

afterAll(async () => {
  await nodeFetch.close();
  server.kill('SIGTERM');
  await once(server, 'exit');
});

function clientOf(id: string): Client {
  const client = clients.get(id);
  if (!client) throw new Error(`no client ${id}`);
  return client;
}

function revocationClient(id: string, fetch?: typeof globalThis.fetch) {
  const client = clientOf(id);
  return createRevocationClient({
    baseUrl: `${origin}/public`,
    credentials: { clientId: client.client_id, clientSecret: client.client_secret },
    clientAuthentication: client.token_endpoint_auth_method,
    retry: false,
    ...(fetch ? { fetch } : {}),
  });
}

/** An access or refresh token of a fresh grant, issued to `clientId`. */
async function mintToken(clientId: string, kind: 'access_token' | 'refresh_token'): Promise<string> {
  const response = await fetch(`${mint}/?client=${clientId}&kind=${kind}`);
  if (!response.ok) throw new Error(await response.text());
  return response.text();
}

/** A client_credentials access token, from the server's token endpoint. */
async function clientCredentialsToken(clientId: string): Promise<string> {
  const { client_id, client_secret } = clientOf(clientId);
  const response = await fetch(`${origin}/public/oauth2/1/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${btoa(`${client_id}:${client_secret}`)}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api' }),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

/** RFC 7662 introspection, as the token's own client. */
async function isActive(token: string, clientId: string): Promise<boolean> {
  const { client_id, client_secret } = clientOf(clientId);
  const response = await fetch(`${origin}/introspect`, {
    method: 'POST',
    headers: { Authorization: `Basic ${btoa(`${client_id}:${client_secret}`)}` },
    body: new URLSearchParams({ token }),
  });
  return ((await response.json()) as { active: boolean }).active;
}

describe.each([
  ['client_secret_basic', 'basic-client'],
  ['client_secret_post', 'post-client'],
])('over %s', (_method, clientId) => {
  it.each([
    ['an access token', 'access_token', () => mintToken(clientId, 'access_token')],
    ['a refresh token', 'refresh_token', () => mintToken(clientId, 'refresh_token')],
    ['a client_credentials access token', 'access_token', () => clientCredentialsToken(clientId)],
  ] as const)('revokes %s: active before, inactive after', async (_label, hint, issue) => {
    for (const fetch of [undefined, nodeFetch]) {
      const token = await issue();
      expect(await isActive(token, clientId)).toBe(true);
      const result = await revocationClient(clientId, fetch).revoke(token, { tokenTypeHint: hint });
      expect(result).toMatchObject({ outcome: 'revoked', confirmed: true, status: 200 });
      expect(await isActive(token, clientId)).toBe(false);
    }
  });
});

it('a JWT-shaped token: unsupported_token_type (RFC 7009 section 2.2.1), not retried', async () => {
  const jwt = `${btoa('{"alg":"none"}').replace(/=+$/, '')}.${btoa('{}').replace(/=+$/, '')}.`;
  const error = await revocationClient('basic-client')
    .revoke(jwt)
    .catch((failure: unknown) => failure);
  expect(error).toBeInstanceOf(UnsupportedTokenTypeError);
  expect(error).toMatchObject({ status: 400, attempts: 1, retryable: false });
});

it("another client's token: unauthorized_client, and the token stays active", async () => {
  const token = await mintToken('basic-client', 'refresh_token');
  const error = await revocationClient('other-client')
    .revoke(token)
    .catch((failure: unknown) => failure);
  expect(error).toBeInstanceOf(UnauthorizedClientError);
  expect(error).toMatchObject({
    status: 400,
    retryable: false,
    oauthError: 'invalid_request',
    oauthErrorDescription: 'client is not authorized to revoke the presented token',
  });
  expect(await isActive(token, 'basic-client')).toBe(true);
});

it('wrong credentials: invalid_client, and the token stays active', async () => {
  const token = await mintToken('basic-client', 'access_token');
  const error = await createRevocationClient({
    baseUrl: `${origin}/public`,
    credentials: { clientId: 'basic-client', clientSecret: 'not-the-secret' },
    retry: false,
  })
    .revoke(token)
    .catch((failure: unknown) => failure);
  expect(error).toMatchObject({ code: 'invalid_client', status: 401 });
  expect(await isActive(token, 'basic-client')).toBe(true);
});
