// The README's examples run as they are, against the built package, and print what they promise.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

function runExample(name: string): string {
  return execFileSync(process.execPath, [join(root, 'examples', name)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
  });
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/testing/index.js')))
    throw new Error('Run `npm run build` before the tests.');
});

describe('examples/', () => {
  it('revoke.mjs revokes once, then reports invalid_token', () => {
    const out = runExample('revoke.mjs');
    expect(out).toContain('first revoke: revoked (status 200, 1 attempt)');
    expect(out).toContain('second revoke: invalid_token');
  });

  it('sign-out.mjs revokes the refresh token, and the access token counts as already invalid', () => {
    const out = runExample('sign-out.mjs');
    expect(out).toContain('refresh token: revoked');
    expect(out).toContain('access token: already_invalid');
    expect(out).toContain('signed out completely: true');
  });

  it('revoke-many.mjs gives one outcome per input', () => {
    const out = runExample('revoke-many.mjs');
    expect(out).toContain('outcomes: { revoked: 20, invalid_token: 1 }');
    expect(out).toMatch(/stray \([0-9a-f]{12}\): invalid_token/);
  });

  it('token-provider.mjs revokes with a bearer token from the client-credentials grant', () => {
    const out = runExample('token-provider.mjs');
    expect(out.match(/revoke \d: revoked/g)).toHaveLength(3);
  });

  it('node-fetch.mjs revokes over createNodeFetch', () => {
    expect(runExample('node-fetch.mjs')).toContain('revoked over createNodeFetch: revoked');
  });
});
