// NODE_USE_ENV_PROXY=1 makes Node's own fetch honour HTTP(S)_PROXY; createNodeFetch must still send a
// loopback URL direct. Only a process started with that variable shows it: a child process over the
// built package (dist/, `npm run build`).
import { join } from 'node:path';
import { runChildScript } from '../support/child-script';
import { useLocalServer } from '../support/local-server';
import { startProxy, type TestProxy } from '../support/proxy';

const server = useLocalServer();
const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];
const savedEnvironment = { ...process.env };
let proxy: TestProxy;

beforeAll(async () => {
  for (const name of PROXY_VARIABLES) delete process.env[name];
  proxy = await startProxy();
});

afterAll(async () => {
  process.env = savedEnvironment;
  await proxy.close();
});

it('sends a loopback URL direct in a process run with NODE_USE_ENV_PROXY=1 and NO_PROXY unset', async () => {
  server.handle((_request, response) => response.end());
  const child = await runChildScript(
    `
    const { createNodeFetch } = await import(process.env.NODE_ENTRY);
    const fetch = createNodeFetch();
    const client = lib.createRevocationClient({
      baseUrl: process.env.BASE_URL,
      credentials: { clientId: 'id', clientSecret: 'secret' },
      fetch,
    });
    console.log(JSON.stringify(await client.revoke('the-token')));
    await fetch.close();
    `,
    {
      NODE_USE_ENV_PROXY: '1',
      HTTP_PROXY: proxy.url,
      HTTPS_PROXY: proxy.url,
      BASE_URL: server.baseUrl,
      NODE_ENTRY: join(__dirname, '..', '..', 'dist', 'node', 'index.js'),
    },
  );
  // Node 22 itself warns that the proxy agent it sets up for NODE_USE_ENV_PROXY is experimental
  // (UNDICI-EHPA, from its own undici): that line is Node's, not ours; nothing else may be printed.
  expect(child.stderr.replace(/^.*\[UNDICI-EHPA\].*\n(?:.*--trace-warnings.*\n)?/m, '')).toBe('');
  expect(JSON.parse(child.stdout)).toMatchObject({ outcome: 'revoked', confirmed: true });
  expect(server.requests).toEqual(['/public/oauth2/1/revoke']);
  expect(proxy.seen).toEqual([]);
});
