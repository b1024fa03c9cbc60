// One process can load both builds of the core: an app's ES modules import dist/index.js while a
// CommonJS dependency of it requires dist/index.cjs. An error thrown by one build is then tested
// against the classes of the other. (Within one build, instanceof is checked by `npm run build`.)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');

interface Crossing {
  thrownBy: string;
  testedAgainst: string;
  status: number;
  code: string;
  name: string;
  /** instanceof the other build's class of the same name */
  ofItsClass: boolean;
  /** instanceof the other build's RevocationError */
  ofBase: boolean;
  /** instanceof another of the other build's subclasses (must be false) */
  ofOtherClass: boolean;
}

let crossings: Crossing[];
let isRevocationErrorAcross: { esm: boolean; cjs: boolean };
/** The other error families of the package, thrown by one build and tested against the other's classes. */
let othersAcross: Record<string, boolean>;

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
  const script = `
    import { createRequire } from 'node:module';
    const builds = { esm: await import('./dist/index.js'), cjs: createRequire(import.meta.url)('./dist/index.cjs') };
    const answers = [
      [400, '{"error":"invalid_token"}', 'InvalidTokenError', 'ServerError'],
      [401, '{"error":"invalid_client"}', 'InvalidClientError', 'InvalidTokenError'],
      [429, '', 'RateLimitedError', 'ServerError'],
      [503, '', 'ServerError', 'RateLimitedError'],
      [418, '', 'UnexpectedResponseError', 'ServerError'],
    ];
    const crossings = [];
    for (const [thrownBy, other] of [['esm', 'cjs'], ['cjs', 'esm']]) {
      for (const [status, body, className, otherClassName] of answers) {
        const client = builds[thrownBy].createRevocationClient({
          baseUrl: 'http://127.0.0.1:9/public',
          credentials: { clientId: 'id', clientSecret: 'secret' },
          retry: false,
          fetch: async () => new Response(body, { status }),
        });
        const error = await client.revoke('token').catch((e) => e);
        crossings.push({
          thrownBy, testedAgainst: other, status, code: error.code, name: error.name,
          ofItsClass: error instanceof builds[other][className],
          ofBase: error instanceof builds[other].RevocationError,
          ofOtherClass: error instanceof builds[other][otherClassName],
        });
      }
    }
    const probe = async (thrownBy, other) => {
      const client = builds[thrownBy].createRevocationClient({
        baseUrl: 'http://127.0.0.1:9/public', credentials: { clientId: 'id', clientSecret: 'secret' }, retry: false,
        fetch: async () => new Response('', { status: 503 }),
      });
      return builds[other].isRevocationError(await client.revoke('token').catch((e) => e));
    };
    const outbox = { esm: await import('./dist/outbox/index.js'), cjs: createRequire(import.meta.url)('./dist/outbox/index.cjs') };
    const others = {};
    for (const [thrownBy, other] of [['esm', 'cjs'], ['cjs', 'esm']]) {
      const input = (() => { try { builds[thrownBy].createRevocationClient({ timeout: 1 }); } catch (e) { return e; } })();
      others[thrownBy + ' input error'] = input instanceof builds[other].InputTypeError && !(input instanceof builds[other].InputRangeError)
        && input instanceof TypeError && input.code === 'invalid_option';
      const locked = new outbox[thrownBy].StoreLockedError('locked');
      others[thrownBy + ' outbox error'] = locked instanceof outbox[other].StoreLockedError && locked instanceof outbox[other].OutboxError
        && !(locked instanceof outbox[other].StoreTimeoutError) && locked.name === 'StoreLockedError';
    }
    console.log(JSON.stringify({ crossings, others, across: { esm: await probe('esm', 'cjs'), cjs: await probe('cjs', 'esm') } }));
  `;
  ({
    crossings,
    others: othersAcross,
    across: isRevocationErrorAcross,
  } = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }),
  ));
});

const EXPECTED_CODES: Record<number, [string, string]> = {
  400: ['invalid_token', 'InvalidTokenError'],
  401: ['invalid_client', 'InvalidClientError'],
  429: ['rate_limited', 'RateLimitedError'],
  503: ['server_error', 'ServerError'],
  418: ['unexpected_response', 'UnexpectedResponseError'],
};

describe('errors across the ESM and CommonJS builds in one process', () => {
  it('carry the same code (the portable check) whichever build threw them', () => {
    expect(crossings).toHaveLength(10);
    for (const c of crossings) expect([c.code, c.name]).toEqual(EXPECTED_CODES[c.status]);
  });

  it('are never instanceof another error class of the other build', () => {
    for (const c of crossings) expect(c.ofOtherClass).toBe(false);
  });

  // Every error class's Symbol.hasInstance checks a globally registered brand (src/error-class.ts).
  it('are instanceof the same class, and RevocationError, of the other build', () => {
    for (const c of crossings) expect({ ...c, ofItsClass: true, ofBase: true }).toEqual(c);
  });

  it('pass isRevocationError of the other build', () => {
    expect(isRevocationErrorAcross).toEqual({ esm: true, cjs: true });
  });

  it('input errors and outbox errors follow the same idiom', () => {
    expect(othersAcross).toEqual({
      'esm input error': true,
      'esm outbox error': true,
      'cjs input error': true,
      'cjs outbox error': true,
    });
  });
});
