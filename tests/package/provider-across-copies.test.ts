// clientCredentialsTokenProvider's client secret is redacted by any client of the package, whichever
// copy of the package made each: the ESM and CommonJS builds of the core, and the opentelemetry entry
// (which bundles its own copy of the core and exports no provider), may all be in one process.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const SECRET = 'canary-client-secret-0123456789';

test("a provider of one copy, a client of another: the server's echo of the provider's secret is redacted", () => {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
  const script = `
    import { createRequire } from 'node:module';
    const copies = {
      esm: await import('./dist/index.js'),
      cjs: createRequire(import.meta.url)('./dist/index.cjs'),
    };
    const otel = await import('./dist/opentelemetry/index.js');
    const makers = {
      esm: (options) => copies.esm.createRevocationClient(options),
      cjs: (options) => copies.cjs.createRevocationClient(options),
      opentelemetry: (options) => otel.createInstrumentedRevocationClient(options),
    };
    // The token endpoint grants a token; the revoke endpoint refuses, quoting the provider's secret.
    const fetch = async (input) =>
      String(input).endsWith('/token')
        ? Response.json({ access_token: 'granted-token-value', token_type: 'Bearer', expires_in: 3600 })
        : Response.json(
            { error: 'unauthorized_client', error_description: 'client_secret ${SECRET} is not allowed' },
            { status: 400 },
          );
    const seen = [];
    for (const providerCopy of ['esm', 'cjs']) {
      for (const clientCopy of ['esm', 'cjs', 'opentelemetry']) {
        const accessToken = copies[providerCopy].clientCredentialsTokenProvider({ clientId: 'id', clientSecret: '${SECRET}' });
        const client = makers[clientCopy]({ baseUrl: 'http://127.0.0.1:9/public', accessToken, fetch, retry: false });
        const error = await client.revoke('a-token').catch((e) => e);
        seen.push({ providerCopy, clientCopy, code: error.code, description: error.oauthErrorDescription });
      }
    }
    console.log(JSON.stringify(seen));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  const seen = JSON.parse(output) as { code: string; description: string }[];
  expect(seen).toHaveLength(6);
  for (const outcome of seen) {
    expect(outcome.code).toBe('unauthorized_client');
    expect(outcome.description).toBe('client_secret [REDACTED] is not allowed');
  }
});
