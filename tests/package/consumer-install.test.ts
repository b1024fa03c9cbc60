// A fresh consumer installs the package as `npm pack` makes it (dist/ as built) into an empty project
// and gets only what the core needs: every other entry carries what it uses in its own output, except
// undici, an optional peer of ./node whose absence fails with one line naming it.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const { devDependencies, peerDependenciesMeta = {} } = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
);
/** The optional peers, which a consumer of the core alone does not install. */
const OPTIONAL_PEERS = Object.keys(peerDependenciesMeta).filter(
  (name) => peerDependenciesMeta[name].optional,
);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What `npm ls --omit=dev --all` may list in a consumer of the core: openapi-fetch and its one dependency. */
const CORE_RUNTIME = ['digilocker-revocation', 'openapi-fetch', 'openapi-typescript-helpers'];
const MISSING_UNDICI =
  'digilocker-revocation/node needs undici, an optional peer dependency that is not installed: npm install undici@7';

let scratch: string;
let consumer: string;

function run(command: string, args: string[], timeout = 60_000): string {
  return execFileSync(command, args, {
    cwd: consumer,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout,
    env: {
      ...process.env,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    },
  });
}

/** Runs a script in the consumer's directory (so that it resolves the consumer's node_modules only). */
function runScript(name: string, source: string): string {
  writeFileSync(join(consumer, name), source);
  return run(process.execPath, [name]);
}

/** The failure of a script, as { status, stderr }. */
function failureOf(name: string, source: string): { status: number | null; stderr: string } {
  try {
    runScript(name, source);
  } catch (error) {
    const { status, stderr } = error as { status: number | null; stderr: string };
    return { status, stderr };
  }
  throw new Error(`${name} did not fail`);
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
  scratch = mkdtempSync(join(tmpdir(), 'digilocker-consumer-'));
  consumer = join(scratch, 'consumer');
  mkdirSync(consumer);
  // --ignore-scripts: pack dist/ as built (the prepare script would build it again).
  const [pack] = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
  );
  run(npm, ['install', '--prefer-offline', '--no-package-lock', join(scratch, pack.filename)], 120_000);
}, 150_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('a fresh consumer of the packed package', () => {
  it('installs only what the core needs (npm ls --omit=dev --all)', () => {
    const tree = JSON.parse(run(npm, ['ls', '--omit=dev', '--all', '--json']));
    const installed = new Set<string>();
    const missing = new Set<string>();
    const walk = (deps: Record<string, { version?: string; dependencies?: object }> = {}) => {
      for (const [name, dep] of Object.entries(deps)) {
        (dep.version === undefined ? missing : installed).add(name);
        walk(dep.dependencies as typeof deps);
      }
    };
    walk(tree.dependencies);
    expect([...installed].sort()).toEqual(CORE_RUNTIME);
    expect([...missing].sort()).toEqual(OPTIONAL_PEERS.sort()); // listed by npm ls, not installed
  });

  it('has every file the README links to (docs/, examples/, ...)', () => {
    const installed = join(consumer, 'node_modules/digilocker-revocation');
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    // Link targets without their #fragment; the relative ones are those with no scheme (https:, mailto:).
    const targets = [...readme.matchAll(/\]\(([^)\s#]+)(?:#[^)\s]*)?\)/g)].map(
      ([, target]) => target as string,
    );
    const relativeLinks = [...new Set(targets)].filter((target) => !/^[a-z][\w+.-]*:/i.test(target));
    expect(relativeLinks).toContain('docs/client.md'); // so the check below means something
    expect(relativeLinks.filter((target) => !existsSync(join(installed, target)))).toEqual([]);
  });

  it('runs the core from both builds, and the mock DigiLocker with nothing more installed', () => {
    const out = runScript(
      'core.mjs',
      `
      import { createRequire } from 'node:module';
      import * as esm from 'digilocker-revocation';
      import { startMockDigiLocker } from 'digilocker-revocation/testing';
      const cjs = createRequire(import.meta.url)('digilocker-revocation');
      const digilocker = await startMockDigiLocker();
      const outcomes = {};
      try {
        for (const [name, build] of Object.entries({ esm, cjs })) {
          const client = build.createRevocationClient({
            baseUrl: digilocker.baseUrl,
            credentials: { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret },
          });
          const { accessToken } = digilocker.issueTokens();
          const first = await client.revoke(accessToken);
          const second = await client.revoke(accessToken).catch((error) => error);
          outcomes[name] = [first.outcome, second instanceof build.InvalidTokenError ? second.code : String(second)];
        }
      } finally {
        await digilocker.close();
      }
      console.log(JSON.stringify(outcomes));
      `,
    );
    expect(JSON.parse(out)).toEqual({ esm: ['revoked', 'invalid_token'], cjs: ['revoked', 'invalid_token'] });
  });

  it('runs the digilocker-revoke bin with nothing more installed', () => {
    const out = runScript(
      'cli.mjs',
      `
      import { spawn } from 'node:child_process';
      import { startMockDigiLocker } from 'digilocker-revocation/testing';
      const digilocker = await startMockDigiLocker();
      try {
        const tokens = [digilocker.issueTokens(), digilocker.issueTokens()].flatMap((g) => [g.accessToken, g.refreshToken]);
        const bin = ${JSON.stringify(process.platform === 'win32' ? 'digilocker-revoke.cmd' : 'digilocker-revoke')};
        const cli = spawn('node_modules/.bin/' + bin, ['revoke', '--file', '-', '--base-url', digilocker.baseUrl, '--treat-invalid-as-revoked'], {
          env: { ...process.env, DIGILOCKER_CLIENT_ID: digilocker.clientId, DIGILOCKER_CLIENT_SECRET: digilocker.clientSecret },
          stdio: ['pipe', 'ignore', 'inherit'],
        });
        cli.stdin.end(tokens.join('\\n') + '\\n');
        const status = await new Promise((resolve) => cli.on('close', resolve));
        console.log(JSON.stringify({ status, active: tokens.filter((t) => digilocker.isActive(t)).length }));
      } finally {
        await digilocker.close();
      }
      `,
    );
    expect(JSON.parse(out)).toEqual({ status: 0, active: 0 });
  });

  it('fails to load digilocker-revocation/node without undici with one line naming it, from both builds', () => {
    const esm = failureOf('node-esm.mjs', "await import('digilocker-revocation/node');");
    const cjs = failureOf('node-cjs.cjs', "require('digilocker-revocation/node');");
    // Where undici was looked for: from the built entry itself.
    const dist = join(realpathSync(consumer), 'node_modules/digilocker-revocation/dist/node');
    for (const [{ status, stderr }, file] of [
      [esm, 'index.js'],
      [cjs, 'index.cjs'],
    ] as const) {
      expect(status).toBe(1);
      expect(stderr).toContain(
        `Error: ${MISSING_UNDICI} (it could not be resolved from ${join(dist, file)})\n`,
      );
    }
  });

  it('runs digilocker-revocation/node once undici is installed', () => {
    // The version the repository tests with (a devDependency), within the peer range.
    run(
      npm,
      ['install', '--prefer-offline', '--no-package-lock', `undici@${devDependencies.undici}`],
      120_000,
    );
    const out = runScript(
      'node.mjs',
      `
      import { createRequire } from 'node:module';
      import { createRevocationClient } from 'digilocker-revocation';
      import { createNodeFetch } from 'digilocker-revocation/node';
      import { startMockDigiLocker } from 'digilocker-revocation/testing';
      const cjs = createRequire(import.meta.url)('digilocker-revocation/node');
      const digilocker = await startMockDigiLocker();
      const outcomes = [];
      try {
        for (const create of [createNodeFetch, cjs.createNodeFetch]) {
          const transport = create();
          const client = createRevocationClient({
            baseUrl: digilocker.baseUrl,
            credentials: { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret },
            fetch: transport,
          });
          outcomes.push((await client.revoke(digilocker.issueTokens().accessToken)).outcome);
          await transport.close();
        }
      } finally {
        await digilocker.close();
      }
      console.log(JSON.stringify(outcomes));
      `,
    );
    expect(JSON.parse(out)).toEqual(['revoked', 'revoked']);
  }, 150_000);
});
