// The core entry is runtime-agnostic: the built dist/index.js revokes against the mock DigiLocker
// under Bun and Deno (from their npm packages), as it does under Node.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';

const run = promisify(execFile);
const root = join(__dirname, '../..');
const fixture = join(__dirname, 'fixtures/revoke.mjs');
const RUNTIMES: [string, string, string[]][] = [
  ['Bun', join(root, 'node_modules/.bin/bun'), ['run', fixture]],
  [
    'Deno',
    join(root, 'node_modules/.bin/deno'),
    ['run', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', fixture],
  ],
  ['Node', process.execPath, [fixture]],
];

let digilocker: MockDigiLocker;
beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('Run `npm run build` before the tests.');
  digilocker = await startMockDigiLocker();
});
afterAll(() => digilocker.close());

it.each(RUNTIMES)(
  '%s revokes a token, then gets invalid_token for it',
  async (_, command, args) => {
    const { accessToken } = digilocker.issueTokens();
    const { stdout } = await run(command, args, {
      cwd: root,
      timeout: 30_000,
      env: {
        ...process.env,
        NO_COLOR: '1',
        BASE_URL: digilocker.baseUrl,
        CLIENT_ID: digilocker.clientId,
        CLIENT_SECRET: digilocker.clientSecret,
        TOKENS: `${accessToken},${accessToken}`,
      },
    });
    expect(JSON.parse(stdout.trim())).toEqual([
      { outcome: 'revoked' },
      { error: 'InvalidTokenError', code: 'invalid_token' },
    ]);
    expect(digilocker.isActive(accessToken)).toBe(false);
  },
  40_000,
);

it('an edge runtime (@edge-runtime/vm) revokes a token with the bundled core', async () => {
  const { build } = await import('esbuild');
  const { EdgeVM } = await import('@edge-runtime/vm');
  const bundle = await build({
    entryPoints: [join(root, 'dist/index.js')],
    bundle: true,
    format: 'iife',
    globalName: 'DigiLockerRevocation',
    platform: 'browser',
    write: false,
  });
  const vm = new EdgeVM();
  vm.evaluate(bundle.outputFiles[0]?.text ?? '');
  const { accessToken } = digilocker.issueTokens();
  const revokeTwice = `(async () => {
    const client = DigiLockerRevocation.createRevocationClient({
      baseUrl: ${JSON.stringify(digilocker.baseUrl)},
      credentials: { clientId: ${JSON.stringify(digilocker.clientId)}, clientSecret: ${JSON.stringify(digilocker.clientSecret)} },
      retry: false,
    });
    const first = await client.revoke(${JSON.stringify(accessToken)});
    const second = await client.revoke(${JSON.stringify(accessToken)}).catch((error) => error);
    return JSON.stringify([first.outcome, second instanceof DigiLockerRevocation.InvalidTokenError, second.code]);
  })()`;
  expect(JSON.parse(await vm.evaluate(revokeTwice))).toEqual(['revoked', true, 'invalid_token']);
  expect(digilocker.isActive(accessToken)).toBe(false);
}, 40_000);
