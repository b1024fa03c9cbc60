// A real RFC 7009 authorization server that no one here wrote: panva's oidc-provider (ESM only, so it
// runs in this child process, not inside jest), on 127.0.0.1 with revocation, introspection and the
// client_credentials grant. It prints `{ "origin": ..., "mint": ... }` once listening.
//
// Routes (under the origin): the revocation endpoint where the DigiLocker client sends
// (`/public/oauth2/1/revoke`), the token endpoint (`/public/oauth2/1/token`), introspection
// (`/introspect`). A second loopback server, `mint`, issues access and refresh tokens of a fresh grant
// through the provider's own token models (`provider.Grant`, `provider.AccessToken`,
// `provider.RefreshToken`), so the tests need no browser login.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

/** The clients, one per client authentication method of the revocation endpoint we test. */
const CLIENTS = [
  ['basic-client', 'client_secret_basic'],
  ['post-client', 'client_secret_post'],
  ['other-client', 'client_secret_basic'],
].map(([client_id, token_endpoint_auth_method]) => ({
  client_id,
  client_secret: `${client_id}-secret-0123456789abcdef`,
  token_endpoint_auth_method,
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  response_types: ['code'],
  redirect_uris: ['http://127.0.0.1/callback'],
  scope: 'openid offline_access api',
}));

const listening = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

const providerServer = createServer();
const port = await listening(providerServer);
const origin = `http://127.0.0.1:${port}`;
const provider = new Provider(origin, {
  clients: CLIENTS,
  scopes: ['openid', 'offline_access', 'api'],
  features: {
    revocation: { enabled: true },
    introspection: { enabled: true },
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
  },
  routes: {
    revocation: '/public/oauth2/1/revoke',
    token: '/public/oauth2/1/token',
    introspection: '/introspect',
  },
});
providerServer.on('request', provider.callback());

const mintServer = createServer(async (request, response) => {
  try {
    const { searchParams } = new URL(request.url, origin);
    const client = await provider.Client.find(searchParams.get('client') ?? '');
    const grant = new provider.Grant({ accountId: 'user-1', clientId: client.clientId });
    grant.addOIDCScope('openid offline_access');
    const grantId = await grant.save();
    const common = { accountId: 'user-1', client, grantId, scope: 'openid offline_access' };
    const token =
      searchParams.get('kind') === 'refresh_token'
        ? new provider.RefreshToken({ ...common, gty: 'authorization_code' })
        : new provider.AccessToken({ ...common, gty: 'authorization_code' });
    response.end(await token.save());
  } catch (error) {
    response.statusCode = 500;
    response.end(String(error));
  }
});
const mintPort = await listening(mintServer);

process.stdout.write(
  `${JSON.stringify({ origin, mint: `http://127.0.0.1:${mintPort}`, clients: CLIENTS })}\n`,
);
process.on('SIGTERM', () => process.exit(0));
