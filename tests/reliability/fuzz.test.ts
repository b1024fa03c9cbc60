// Generated bad input, more than 10,000 cases across revoke, revokeMany and createRevocationClient: each is
// refused with its documented class (TypeError for a wrong type or choice, RangeError for a value out of
// range), nothing reaches the network, and no message repeats the token or secret it was given.
import fc from 'fast-check';
import nock from 'nock';
import { createRevocationClient, type RevocationClientOptions, type RevocationOutcome } from '../../src';

const MAX_TOKEN_LENGTH = 4096;
const MAX_TIMER_MS = 2 ** 31 - 1;
const SECRET = 'CANARY-SECRET-fuzz-3e7d';
const CREDENTIALS = { clientId: 'client-1', clientSecret: SECRET };

type ErrorClass = typeof TypeError | typeof RangeError;
interface BadCase {
  value: unknown;
  ErrorClass: ErrorClass;
  /** Strings the error must not repeat. */
  canaries: readonly string[];
}

let generated = 0;
let unmatchedRequests = 0;
const countUnmatched = () => {
  unmatchedRequests++;
};
// Any request would go through the injected fetch; nock catches (and counts) one that does not.
const fetch = jest.fn<Promise<Response>, Parameters<typeof globalThis.fetch>>();

beforeAll(() => {
  nock.disableNetConnect();
  nock.emitter.on('no match', countUnmatched);
});
afterEach(() => {
  expect(fetch).not.toHaveBeenCalled();
  expect(unmatchedRequests).toBe(0);
});
afterAll(() => {
  nock.emitter.removeListener('no match', countUnmatched);
  nock.enableNetConnect();
  nock.restore(); // nock patches node:http for the whole jest worker; later files need the real one
});

const client = createRevocationClient({ credentials: CREDENTIALS, fetch, retry: false });

/** Checks an error against a bad case: its class, and no canary of 6 characters or more in its message. */
function expectRefused(error: unknown, bad: BadCase): void {
  generated++;
  expect(error).toBeInstanceOf(bad.ErrorClass);
  const { message } = error as Error;
  for (const canary of bad.canaries) if (canary.length >= 6) expect(message).not.toContain(canary);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The test's own oracle of the base URLs the contract accepts. */
function isAcceptableBaseUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  if (url.username || url.password || url.search || url.hash) return false;
  if (url.protocol === 'https:') return true;
  const loopback =
    url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(\.\d+){3}$/.test(url.hostname);
  return url.protocol === 'http:' && loopback;
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

// ---------------------------------------------------------------------------------------------------------
// Generators

/**
 * A unique-looking string that no message would contain by chance; a valid token (it ends with no
 * space, which the client would refuse as a pasted copy's).
 */
const canary = fc.string({ minLength: 6, maxLength: 40 }).map((s) => `CANARY-${s}-END`);

const controlCharacter = fc
  .oneof(fc.integer({ min: 0x00, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
  .map((code) => String.fromCharCode(code));

/** Anything that is not a string (fast-check's anything() never makes functions). */
const notAString = fc.anything().filter((value) => typeof value !== 'string');

const tokenWithControlCharacter: fc.Arbitrary<BadCase> = fc
  .tuple(canary, controlCharacter, fc.nat())
  .map(([base, control, at]) => {
    const position = at % (base.length + 1);
    return {
      value: base.slice(0, position) + control + base.slice(position),
      ErrorClass: RangeError,
      canaries: [base],
    };
  });

const tokenTooLong: fc.Arbitrary<BadCase> = fc
  .tuple(canary, fc.integer({ min: MAX_TOKEN_LENGTH + 1, max: 3 * MAX_TOKEN_LENGTH }))
  .map(([base, length]) => {
    const value = base.repeat(Math.ceil(length / base.length)).slice(0, length);
    return { value, ErrorClass: RangeError, canaries: [value, base] };
  });

/** A token with whitespace at an end, or a character that shows nothing anywhere: a pasted copy. */
const tokenWithInvisible: fc.Arbitrary<BadCase> = fc
  .tuple(
    canary,
    fc.constantFrom(' ', '\u00a0', '\u3000'),
    fc.constantFrom('\u200b', '\u202e', '\ufeff', '\u034f', '\u2028'),
    fc.nat(),
    fc.boolean(),
  )
  .map(([base, space, invisible, at, atEnd]) => {
    const position = at % (base.length + 1);
    const value = atEnd ? base + space : base.slice(0, position) + invisible + base.slice(position);
    return { value, ErrorClass: RangeError, canaries: [base] };
  });

/** A bad token: not a string, empty, too long, with a control character or an invisible one. */
const badToken: fc.Arbitrary<BadCase> = fc.oneof(
  notAString.map((value) => ({ value, ErrorClass: TypeError, canaries: [] })),
  fc.constant({ value: '', ErrorClass: RangeError, canaries: [] }),
  tokenTooLong,
  tokenWithControlCharacter,
  tokenWithInvisible,
);

/** A tokenTypeHint that is neither access_token nor refresh_token (nor absent). */
const badHint = fc
  .anything()
  .filter((value) => value !== undefined && value !== 'access_token' && value !== 'refresh_token');

// ---------------------------------------------------------------------------------------------------------

describe('revoke', () => {
  it('refuses bad tokens', async () => {
    await fc.assert(
      fc.asyncProperty(badToken, async (bad) => {
        expectRefused(await rejection(client.revoke(bad.value as string)), bad);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses bad tokenTypeHints', async () => {
    await fc.assert(
      fc.asyncProperty(canary, badHint, async (token, tokenTypeHint) => {
        const error = await rejection(
          client.revoke(token, { tokenTypeHint } as { tokenTypeHint: 'access_token' }),
        );
        expectRefused(error, { value: tokenTypeHint, ErrorClass: TypeError, canaries: [token] });
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses bad call options and signals', async () => {
    const badOptions = fc.oneof(
      fc.anything().filter((value) => value === null || (value !== undefined && typeof value !== 'object')),
      fc
        .anything()
        .filter((value) => value !== undefined)
        .map((signal) => ({ signal })),
    );
    await fc.assert(
      fc.asyncProperty(canary, badOptions, async (token, options) => {
        const error = await rejection(client.revoke(token, options as { signal: AbortSignal }));
        expectRefused(error, { value: options, ErrorClass: TypeError, canaries: [token] });
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('revokeMany', () => {
  /** A bad item of revokeMany: a bad string, a non-string, or an object with a bad token, hint or id. */
  const badItem: fc.Arbitrary<BadCase> = fc.oneof(
    badToken.filter((bad) => typeof bad.value === 'string'),
    notAString
      .filter((value) => !(typeof value === 'object' && value !== null && 'token' in value))
      .map((value) => ({ value, ErrorClass: TypeError, canaries: [] })),
    badToken.map((bad) => ({ ...bad, value: { token: bad.value } })),
    fc.tuple(canary, badHint).map(([token, tokenTypeHint]) => ({
      value: { token, tokenTypeHint },
      ErrorClass: TypeError,
      canaries: [token],
    })),
    fc
      .tuple(
        canary,
        fc
          .anything()
          .filter(
            (id) =>
              id !== undefined && typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id)),
          ),
      )
      .map(([token, id]) => ({ value: { token, id }, ErrorClass: TypeError, canaries: [token] })),
  );

  it('turns each bad item into an ok: false outcome with its class, without a request', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(badItem, { minLength: 1, maxLength: 8 }), async (items) => {
        const outcomes: RevocationOutcome[] = [];
        for await (const outcome of client.revokeMany(items.map((item) => item.value as string))) {
          outcomes.push(outcome);
        }
        expect(outcomes).toHaveLength(items.length);
        const serialized = JSON.stringify(outcomes);
        for (const outcome of outcomes) {
          const bad = items[outcome.index] as BadCase;
          expect(outcome.ok).toBe(false);
          expectRefused(outcome.ok ? undefined : outcome.error, bad);
          for (const c of bad.canaries) expect(serialized).not.toContain(c);
        }
      }),
      { numRuns: 800 },
    );
  });

  it('refuses a tokens argument that is not iterable (or is a string), synchronously', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          canary,
          fc.anything().filter((value) => !Array.isArray(value)),
        ),
        (tokens) => {
          const error = thrown(() => client.revokeMany(tokens as string[]));
          expectRefused(error, { value: tokens, ErrorClass: TypeError, canaries: [] });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a concurrency that is not an integer from 1 to 1024, synchronously', () => {
    const outOfRange = fc.oneof(
      fc.integer({ max: 0 }),
      fc.integer({ min: 1025 }),
      fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n) || n < 1 || n > 1024),
    );
    fc.assert(
      fc.property(outOfRange, (concurrency) => {
        const error = thrown(() => client.revokeMany(['tok'], { concurrency }));
        expectRefused(error, { value: concurrency, ErrorClass: RangeError, canaries: [] });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a concurrency that is not a number with a TypeError, synchronously', () => {
    const notANumber = fc.oneof(
      fc.constant(Number.NaN),
      fc.anything().filter((value) => value !== undefined && value !== null && typeof value !== 'number'),
    );
    fc.assert(
      fc.property(notANumber, (concurrency) => {
        const error = thrown(() => client.revokeMany(['tok'], { concurrency: concurrency as number }));
        expectRefused(error, { value: concurrency, ErrorClass: TypeError, canaries: [] });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a bad batch tokenTypeHint or signal, synchronously', () => {
    const badOptions = fc.oneof(
      badHint.map((tokenTypeHint) => ({ tokenTypeHint })),
      fc
        .anything()
        .filter((value) => value !== undefined)
        .map((signal) => ({ signal })),
    );
    fc.assert(
      fc.property(badOptions, (options) => {
        const error = thrown(() => client.revokeMany(['tok'], options as { signal: AbortSignal }));
        expectRefused(error, { value: options, ErrorClass: TypeError, canaries: [] });
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('createRevocationClient', () => {
  /** Builds a client; `fetch` is the counting spy unless the case replaces it. */
  function construct(options: Record<string, unknown>) {
    return thrown(() => createRevocationClient({ fetch, ...options } as RevocationClientOptions));
  }

  /** A value of the wrong type or choice for one option: [option, BadCase]. */
  const anythingBut = (allowed: (value: unknown) => boolean) =>
    fc.anything().filter((value) => value !== undefined && !allowed(value));
  const typeError = (value: unknown): BadCase => ({ value, ErrorClass: TypeError, canaries: [] });
  const badTimerNumber = fc.oneof(
    fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n) || n < 1 || n > MAX_TIMER_MS),
    fc.integer({ max: 0 }),
  );
  const badOption: fc.Arbitrary<[string, BadCase]> = fc.oneof(
    anythingBut((v) => ['sandbox', 'production', 'legacy-production'].includes(v as string)).map(
      (v) => ['environment', typeError(v)] as [string, BadCase],
    ),
    anythingBut((v) => typeof v === 'string').map((v) => ['baseUrl', typeError(v)] as [string, BadCase]),
    anythingBut((v) => typeof v === 'boolean').map(
      (v) => ['allowInsecureHttp', typeError(v)] as [string, BadCase],
    ),
    anythingBut((v) => v === 'client_secret_basic' || v === 'client_secret_post').map(
      (v) => ['clientAuthentication', typeError(v)] as [string, BadCase],
    ),
    anythingBut((v) => v === 'form' || v === 'json').map(
      (v) => ['bodyEncoding', typeError(v)] as [string, BadCase],
    ),
    fc
      .oneof(fc.string(), fc.integer(), fc.double(), fc.constant(true), fc.constant(null))
      .map((v) => ['retry', typeError(v)] as [string, BadCase]),
    badTimerNumber.map(
      (v) => ['timeoutMs', { value: v, ErrorClass: RangeError, canaries: [] }] as [string, BadCase],
    ),
    fc
      .oneof(
        fc.constant(Number.NaN),
        anythingBut((v) => typeof v === 'number'),
      )
      .map((v) => ['timeoutMs', typeError(v)] as [string, BadCase]),
    // fetch: null has a test of its own in options.test.ts.
    anythingBut((v) => v === null).map((v) => ['fetch', typeError(v)] as [string, BadCase]),
    fc
      .oneof(
        anythingBut((v) => typeof v === 'string'),
        fc.string({ minLength: 201, maxLength: 300 }),
        fc
          .tuple(fc.string(), fc.oneof(controlCharacter, fc.constantFrom('é', '€', '\u{1F600}')))
          .map(([s, c]) => s + c),
      )
      .map((v) => ['userAgent', typeError(v)] as [string, BadCase]),
    anythingBut(() => false).map((v) => ['onEvent', typeError(v)] as [string, BadCase]),
    anythingBut((v) => typeof v === 'boolean').map(
      (v) => ['treatInvalidTokenAsRevoked', typeError(v)] as [string, BadCase],
    ),
    anythingBut(() => false).map((v) => ['clock', typeError(v)] as [string, BadCase]),
    anythingBut(() => false).map((v) => ['random', typeError(v)] as [string, BadCase]),
  );

  it('refuses a bad value for any option, naming it, never echoing the secret', () => {
    fc.assert(
      fc.property(badOption, ([name, bad]) => {
        const error = construct({ credentials: CREDENTIALS, [name]: bad.value });
        expectRefused(error, { ...bad, canaries: [SECRET] });
        expect((error as Error).message).toContain(name);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses unknown option keys', () => {
    const known = new Set([
      'environment',
      'baseUrl',
      'allowInsecureHttp',
      'credentials',
      'clientAuthentication',
      'accessToken',
      'bodyEncoding',
      'retry',
      'timeoutMs',
      'fetch',
      'userAgent',
      'onEvent',
      'treatInvalidTokenAsRevoked',
      'clock',
      'random',
    ]);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((key) => !known.has(key) && key !== '__proto__'),
        fc.anything(),
        (key, value) => {
          expectRefused(construct({ credentials: CREDENTIALS, [key]: value }), {
            ...typeError(value),
            canaries: [SECRET],
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses bad base URLs: not absolute, not http(s), with user info, query or fragment, or http off loopback', () => {
    const host = fc.oneof(
      fc.domain(),
      fc.ipV4().filter((ip) => !ip.startsWith('127.')),
    );
    const badUrl = fc
      .oneof(
        fc.string(),
        fc
          .tuple(fc.constantFrom('ftp', 'file', 'ws', 'data', 'javascript', 'mailto'), fc.domain())
          .map(([scheme, domain]) => `${scheme}://${domain}/public`),
        host.map((h) => `http://${h}/public`),
        fc
          .tuple(fc.domain(), canary)
          .map(([domain, c]) => `https://user:${encodeURIComponent(c)}@${domain}/public`),
        fc
          .tuple(fc.domain(), fc.string({ minLength: 1 }))
          .map(([domain, q]) => `https://${domain}/public?${q}`),
        fc
          .tuple(fc.domain(), fc.string({ minLength: 1 }))
          .map(([domain, f]) => `https://${domain}/public#${f}`),
      )
      .filter((url) => !isAcceptableBaseUrl(url));
    fc.assert(
      fc.property(badUrl, fc.boolean(), (baseUrl, asUrlObject) => {
        const value = asUrlObject && URL.canParse(baseUrl) ? new URL(baseUrl) : baseUrl;
        const error = construct({ credentials: CREDENTIALS, baseUrl: value });
        expectRefused(error, { value, ErrorClass: TypeError, canaries: [SECRET] });
        expect((error as Error).message).toContain('baseUrl');
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses bad retry numbers', () => {
    const limits: Record<string, [number, number]> = {
      maxAttempts: [1, 20],
      baseDelayMs: [0, MAX_TIMER_MS],
      maxDelayMs: [0, MAX_TIMER_MS],
      maxElapsedMs: [1, MAX_TIMER_MS],
    };
    const badRetry: fc.Arbitrary<[string, BadCase]> = fc.constantFrom(...Object.keys(limits)).chain((key) => {
      const [min, max] = limits[key] as [number, number];
      return fc.oneof(
        fc
          .oneof(
            fc.integer({ max: min - 1 }),
            fc.maxSafeNat().map((n) => max + 1 + (n % 1e12)),
            fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n) || n < min || n > max),
          )
          .map((value) => [key, { value, ErrorClass: RangeError, canaries: [] }] as [string, BadCase]),
        fc
          .oneof(
            fc.constant(Number.NaN),
            anythingBut((v) => typeof v === 'number'),
          )
          .map((value) => [key, typeError(value)] as [string, BadCase]),
      );
    });
    fc.assert(
      fc.property(badRetry, ([key, bad]) => {
        const error = construct({ credentials: CREDENTIALS, retry: { [key]: bad.value } });
        expectRefused(error, { ...bad, canaries: [SECRET] });
        expect((error as Error).message).toContain(`retry.${key}`);
      }),
      { numRuns: 800 },
    );
  });

  it('refuses neither or both of credentials and accessToken, and bad credentials or tokens', () => {
    const badString = (): fc.Arbitrary<BadCase> =>
      fc.oneof(
        notAString.map((value) => typeError(value)),
        fc.constant({ value: '', ErrorClass: RangeError, canaries: [] }),
        tokenTooLong,
        tokenWithControlCharacter,
      );
    const badAuthentication: fc.Arbitrary<[Record<string, unknown>, BadCase]> = fc.oneof(
      fc.constant([{}, typeError(undefined)] as [Record<string, unknown>, BadCase]),
      fc.tuple(canary, canary).map(
        ([secret, bearer]) =>
          [
            { credentials: { clientId: 'id', clientSecret: secret }, accessToken: bearer },
            { value: undefined, ErrorClass: TypeError, canaries: [secret, bearer] },
          ] as [Record<string, unknown>, BadCase],
      ),
      badString().map(
        (bad) =>
          [{ credentials: { clientId: 'id', clientSecret: bad.value } }, bad] as [
            Record<string, unknown>,
            BadCase,
          ],
      ),
      badString().map(
        (bad) =>
          [
            { credentials: { clientId: bad.value, clientSecret: SECRET } },
            { ...bad, canaries: [...bad.canaries, SECRET] },
          ] as [Record<string, unknown>, BadCase],
      ),
      badString()
        .filter((bad) => bad.value !== undefined)
        .map((bad) => [{ accessToken: bad.value }, bad] as [Record<string, unknown>, BadCase]),
      fc
        .anything()
        .filter((value) => value === null || (value !== undefined && typeof value !== 'object'))
        .map(
          (credentials) => [{ credentials }, typeError(credentials)] as [Record<string, unknown>, BadCase],
        ),
    );
    fc.assert(
      fc.property(badAuthentication, ([options, bad]) => {
        expectRefused(construct(options), bad);
      }),
      { numRuns: 1000 },
    );
  });
});

it('generated at least 10,000 bad inputs', () => {
  expect(generated).toBeGreaterThanOrEqual(10_000);
});
