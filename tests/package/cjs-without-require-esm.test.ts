// The CommonJS build needs no require(esm): in a process started with --no-experimental-require-module
// (as Jest's CommonJS runtime and older Node releases behave), every entry's CommonJS build loads and
// the core revokes a token through createNodeFetch against the mock DigiLocker.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const NO_REQUIRE_ESM = '--no-experimental-require-module';

function runCommonJs(source: string): string {
  return execFileSync(process.execPath, [NO_REQUIRE_ESM, '-e', source], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
  });
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.cjs')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
});

describe(`the CommonJS build under node ${NO_REQUIRE_ESM}`, () => {
  it('is a process where require(esm) really fails (so the test below means something)', () => {
    const directory = mkdtempSync(join(tmpdir(), 'digilocker-esm-'));
    try {
      const esm = join(directory, 'only-esm.mjs');
      writeFileSync(esm, 'export const answer = 42;\n');
      expect(() => runCommonJs(`require(${JSON.stringify(esm)})`)).toThrow(
        /ERR_REQUIRE_ESM|require\(\) of ES Module/,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('loads every entry and revokes a token through createNodeFetch', () => {
    const out = runCommonJs(`
      const { createRevocationClient, InvalidTokenError, sha256Hex } = require('./dist/index.cjs');
      const { createNodeFetch } = require('./dist/node/index.cjs');
      const { startMockDigiLocker } = require('./dist/testing/index.cjs');
      (async () => {
        const digilocker = await startMockDigiLocker();
        const transport = createNodeFetch();
        try {
          const client = createRevocationClient({
            baseUrl: digilocker.baseUrl,
            credentials: { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret },
            fetch: transport,
          });
          const { accessToken } = digilocker.issueTokens();
          const first = await client.revoke(accessToken);
          const second = await client.revoke(accessToken).catch((error) => error);
          console.log(JSON.stringify({
            first: first.outcome,
            second: second instanceof InvalidTokenError ? second.code : String(second),
            sha256: await sha256Hex('abc'),
          }));
        } finally {
          await transport.close();
          await digilocker.close();
        }
      })().catch((error) => { console.error(error); process.exit(1); });
    `);
    expect(JSON.parse(out)).toEqual({
      first: 'revoked',
      second: 'invalid_token',
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });
});
