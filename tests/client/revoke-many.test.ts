// client.revokeMany(tokens, { concurrency, tokenTypeHint, signal }): a lazy, bounded pool that yields one
// outcome per input (never the token), shares a rate-limit pause between its workers, and stops on abort.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import nock from 'nock';
import {
  InvalidClientError,
  type RevocationClientOptions,
  type RevocationOutcome,
  type TokenInput,
  tokenFingerprint,
} from '../../src';
import { testClient } from '../support/clients';
import { BASE, PATH } from '../support/fixtures';
import { useNock } from '../support/use-nock';

useNock({ allowLoopback: true });
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

const client = (options: Partial<RevocationClientOptions> = {}) => testClient({ retry: false, ...options });

/** The first 12 hex characters of the token's SHA-256, computed independently of the client. */
function fingerprintOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12);
}

async function collect(outcomes: AsyncIterable<RevocationOutcome>): Promise<RevocationOutcome[]> {
  const all: RevocationOutcome[] = [];
  for await (const outcome of outcomes) all.push(outcome);
  return all.sort((a, b) => a.index - b.index);
}

/** A fetch that answers 200 at once and records each request's body. */
function instantFetch() {
  const bodies: string[] = [];
  const fetch = jest.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    bodies.push(String(init?.body));
    return new Response(null, { status: 200 });
  });
  return { fetch, bodies };
}

/** A revoke endpoint on nock answering each token with its status (200 by default), recording bodies. */
function endpoint(statuses: Record<string, number> = {}) {
  const bodies = new Map<string, string>();
  nock(BASE)
    .post(PATH)
    .reply((_uri, body) => {
      const token = new URLSearchParams(String(body)).get('token') ?? '';
      bodies.set(token, String(body));
      return [statuses[token] ?? 200, ''];
    })
    .persist();
  return bodies;
}

const servers: (() => Promise<void>)[] = [];

/** A real server on 127.0.0.1; `respond` gets each request once its body has arrived. */
async function startServer(
  respond: (request: IncomingMessage, response: ServerResponse, body: string) => void,
) {
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => respond(request, response, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/public`;
}

describe('outcomes', () => {
  it('yields exactly one outcome per input, with index, id and fingerprint', async () => {
    endpoint();
    const inputs: TokenInput[] = ['tok-a', { token: 'tok-b', id: 'user-2' }, { token: 'tok-c' }];
    const outcomes = await collect(client().revokeMany(inputs));
    expect(outcomes).toEqual([
      {
        index: 0,
        fingerprint: fingerprintOf('tok-a'),
        ok: true,
        result: expect.objectContaining({ outcome: 'revoked' }),
      },
      {
        index: 1,
        id: 'user-2',
        fingerprint: fingerprintOf('tok-b'),
        ok: true,
        result: expect.objectContaining({ outcome: 'revoked', status: 200, attempts: 1 }),
      },
      {
        index: 2,
        fingerprint: fingerprintOf('tok-c'),
        ok: true,
        result: expect.objectContaining({ outcome: 'revoked' }),
      },
    ]);
    expect(outcomes[0]).not.toHaveProperty('id');
  });

  it('takes an AsyncIterable', async () => {
    endpoint();
    async function* tokens() {
      yield 'tok-a';
      yield { token: 'tok-b', id: 'b' };
    }
    const outcomes = await collect(client().revokeMany(tokens()));
    expect(outcomes.map((o) => [o.index, o.ok])).toEqual([
      [0, true],
      [1, true],
    ]);
  });

  it('yields nothing for no input', async () => {
    await expect(collect(client().revokeMany([]))).resolves.toEqual([]);
  });

  it('fingerprint is the first 12 hex characters of the SHA-256 of the token', async () => {
    endpoint();
    const [outcome] = await collect(client().revokeMany(['é-token-ü']));
    expect(outcome?.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(outcome?.fingerprint).toBe(fingerprintOf('é-token-ü'));
    expect(outcome?.fingerprint).toBe(await tokenFingerprint('é-token-ü'));
  });

  it('reports a failed token as ok: false with its error, and goes on with the others', async () => {
    endpoint({ 'tok-bad': 401 });
    const outcomes = await collect(client().revokeMany(['tok-1', 'tok-bad', 'tok-3']));
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    const failed = outcomes[1] as Extract<RevocationOutcome, { ok: false }>;
    expect(failed.error).toBeInstanceOf(InvalidClientError);
    expect(failed.fingerprint).toBe(fingerprintOf('tok-bad'));
  });

  it('honours treatInvalidTokenAsRevoked', async () => {
    endpoint({ 'tok-gone': 400 });
    const [outcome] = await collect(client({ treatInvalidTokenAsRevoked: true }).revokeMany(['tok-gone']));
    expect(outcome).toMatchObject({ ok: true, result: { outcome: 'already_invalid' } });
  });

  it('never includes a token in the outcomes', async () => {
    endpoint({ 'secret-tok-2': 500, 'secret-tok-3': 400 });
    const tokens = ['secret-tok-1', 'secret-tok-2', 'secret-tok-3'];
    const outcomes = await collect(
      client().revokeMany([
        ...tokens,
        { token: 'secret-tok-4\n', id: 'x' },
        { token: 'secret-tok-5', tokenTypeHint: 'nope' as 'access_token' },
      ]),
    );
    expect(outcomes).toHaveLength(5);
    const text = JSON.stringify(outcomes);
    for (const token of [...tokens, 'secret-tok-4', 'secret-tok-5']) expect(text).not.toContain(token);
  });

  it('sends the batch hint for inputs without one, and each input its own', async () => {
    const bodies = endpoint();
    await collect(
      client().revokeMany(['tok-1', { token: 'tok-2' }, { token: 'tok-3', tokenTypeHint: 'refresh_token' }], {
        tokenTypeHint: 'access_token',
      }),
    );
    expect(bodies.get('tok-1')).toBe('token=tok-1&token_type_hint=access_token');
    expect(bodies.get('tok-2')).toBe('token=tok-2&token_type_hint=access_token');
    expect(bodies.get('tok-3')).toBe('token=tok-3&token_type_hint=refresh_token');
  });
});

describe('bad inputs become ok: false outcomes, without a request', () => {
  it.each([
    { label: 'a number', input: 42, ErrorClass: TypeError },
    { label: 'null', input: null, ErrorClass: TypeError },
    { label: 'an empty object', input: {}, ErrorClass: TypeError },
    { label: 'an empty string', input: '', ErrorClass: RangeError },
    { label: 'a string too long', input: 't'.repeat(4097), ErrorClass: RangeError },
    { label: 'a string with a control character', input: 'tok\u0000en', ErrorClass: RangeError },
    { label: 'an object with an empty token', input: { token: '', id: 'e' }, ErrorClass: RangeError },
    { label: 'a string with a trailing space', input: 'tok ', ErrorClass: RangeError },
    {
      label: 'an object whose token has a bidi control',
      input: { token: '\u202etok' },
      ErrorClass: RangeError,
    },
    { label: 'a bad hint', input: { token: 'tok', tokenTypeHint: 'id_token' }, ErrorClass: TypeError },
    { label: 'a non-finite numeric id', input: { token: 'tok', id: Number.NaN }, ErrorClass: TypeError },
    { label: 'an object id', input: { token: 'tok', id: { user: 7 } }, ErrorClass: TypeError },
  ])('$label: $ErrorClass.name', async ({ input, ErrorClass }) => {
    const { fetch, bodies } = instantFetch();
    const outcomes = await collect(client({ fetch }).revokeMany(['good-1', input as TokenInput, 'good-2']));
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    const bad = outcomes[1] as Extract<RevocationOutcome, { ok: false }>;
    expect(bad.index).toBe(1);
    expect(bad.error).toBeInstanceOf(ErrorClass);
    expect(bodies.sort()).toEqual(['token=good-1', 'token=good-2']);
  });

  it('accepts a numeric id, as record ids often are, and hands it back as given', async () => {
    const { fetch } = instantFetch();
    const outcomes = await collect(client({ fetch }).revokeMany([{ token: 'tok-7', id: 7 }]));
    expect(outcomes).toEqual([expect.objectContaining({ index: 0, id: 7, ok: true })]);
  });

  it('keeps the id of a bad object input', async () => {
    const { fetch } = instantFetch();
    const [outcome] = await collect(client({ fetch }).revokeMany([{ token: '', id: 'user-9' }]));
    expect(outcome).toMatchObject({ index: 0, id: 'user-9', ok: false });
  });

  it('gives a bad input that is not a string an empty fingerprint', async () => {
    const { fetch } = instantFetch();
    const [outcome] = await collect(client({ fetch }).revokeMany([42 as unknown as string]));
    expect(outcome?.fingerprint).toBe('');
  });

  it('still fingerprints a bad input that is a string, as documented', async () => {
    const { fetch } = instantFetch();
    const tooLong = 't'.repeat(4097);
    const [outcome] = await collect(client({ fetch }).revokeMany([tooLong]));
    expect(outcome).toMatchObject({ ok: false, fingerprint: fingerprintOf(tooLong) });
  });
});

describe('bad arguments throw synchronously, at call time', () => {
  const fetch = jest.fn<Promise<Response>, Parameters<typeof globalThis.fetch>>();
  beforeEach(() => fetch.mockReset());

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a string', 'tok-1'],
    ['an object that is not iterable', { token: 'tok-1' }],
  ])('tokens as %s: TypeError', (_label, tokens) => {
    // @ts-expect-error: deliberately the wrong type
    expect(() => client({ fetch }).revokeMany(tokens)).toThrow(TypeError);
    expect(fetch).not.toHaveBeenCalled();
  });

  it.each([
    { label: 'concurrency 0', options: { concurrency: 0 }, ErrorClass: RangeError },
    { label: 'concurrency -1', options: { concurrency: -1 }, ErrorClass: RangeError },
    { label: 'concurrency 1.5', options: { concurrency: 1.5 }, ErrorClass: RangeError },
    { label: 'concurrency NaN', options: { concurrency: Number.NaN }, ErrorClass: TypeError },
    { label: 'concurrency Infinity', options: { concurrency: Infinity }, ErrorClass: RangeError },
    { label: 'concurrency 1025', options: { concurrency: 1025 }, ErrorClass: RangeError },
    { label: "concurrency 'x'", options: { concurrency: 'x' }, ErrorClass: TypeError },
    { label: "concurrency '4'", options: { concurrency: '4' }, ErrorClass: TypeError },
    { label: 'a bad tokenTypeHint', options: { tokenTypeHint: 'id_token' }, ErrorClass: TypeError },
    { label: 'a signal that is not an AbortSignal', options: { signal: {} }, ErrorClass: TypeError },
    { label: 'null options', options: null, ErrorClass: TypeError },
  ])('$label: $ErrorClass.name', ({ options, ErrorClass }) => {
    // @ts-expect-error: deliberately the wrong type
    expect(() => client({ fetch }).revokeMany(['tok-1'], options)).toThrow(ErrorClass);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('names concurrency in its error', () => {
    expect(() => client({ fetch }).revokeMany(['tok-1'], { concurrency: 0 })).toThrow(/concurrency/);
  });
});

describe('laziness and the concurrency bound', () => {
  it('pulls input only as room frees up: 10 outcomes of a million inputs pull at most 14', async () => {
    const { fetch } = instantFetch();
    let pulled = 0;
    let closed = false;
    function* million() {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++;
          yield `tok-${i}`;
        }
      } finally {
        closed = true;
      }
    }
    let consumed = 0;
    for await (const outcome of client({ fetch }).revokeMany(million(), { concurrency: 4 })) {
      expect(outcome.ok).toBe(true);
      if (++consumed === 10) break;
    }
    expect(pulled).toBeLessThanOrEqual(14);
    expect(closed).toBe(true);
  });

  it.each([
    { label: 'concurrency: 3', concurrency: 3, tokens: 12 },
    { label: 'the default concurrency, 8', concurrency: undefined, tokens: 20, expected: 8 },
  ])(
    'has at most and at best $label requests in flight (real server)',
    async ({ concurrency, tokens, expected = concurrency }) => {
      let inFlight = 0;
      let maxInFlight = 0;
      let requests = 0;
      const baseUrl = await startServer((_request, response) => {
        requests++;
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        setTimeout(() => {
          inFlight--;
          response.end();
        }, 60);
      });
      const inputs = Array.from({ length: tokens }, (_, i) => `tok-${i}`);
      const options = concurrency === undefined ? {} : { concurrency };
      const outcomes = await collect(client({ baseUrl }).revokeMany(inputs, options));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect(requests).toBe(tokens);
      expect(maxInFlight).toBe(expected);
    },
  );
});

describe('a 429 pauses every worker', () => {
  it('sends no request until the Retry-After of a 429 has passed (real server)', async () => {
    const CONCURRENCY = 4;
    const arrivals: number[] = [];
    let rateLimitedAt = 0;
    const baseUrl = await startServer((_request, response) => {
      arrivals.push(performance.now());
      if (arrivals.length === CONCURRENCY) {
        // The last of the first batch: every other request after it is sent after the client has seen it.
        rateLimitedAt = performance.now();
        response.writeHead(429, { 'Retry-After': '1' }).end();
        return;
      }
      setTimeout(() => response.end(), 250);
    });
    const inputs = Array.from({ length: 8 }, (_, i) => `tok-${i}`);
    const revoker = client({ baseUrl, retry: { maxAttempts: 2 }, random: () => 0 });

    const outcomes = await collect(revoker.revokeMany(inputs, { concurrency: CONCURRENCY }));

    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(arrivals).toHaveLength(9); // 8 tokens and the retry of the rate-limited one
    const later = arrivals.slice(CONCURRENCY);
    for (const at of later) expect(at - rateLimitedAt).toBeGreaterThanOrEqual(990);
  });
});

describe('abort', () => {
  it('stops pulling input, ends in-flight requests with the abort reason, and ends the iteration', async () => {
    const held: ServerResponse[] = [];
    const baseUrl = await startServer((_request, response) => {
      held.push(response);
    });
    let pulled = 0;
    let closed = false;
    function* endless() {
      try {
        for (;;) {
          pulled++;
          yield `tok-${pulled}`;
        }
      } finally {
        closed = true;
      }
    }
    const controller = new AbortController();
    const reason = new Error('batch cancelled');
    const done = collect(
      client({ baseUrl }).revokeMany(endless(), { concurrency: 3, signal: controller.signal }),
    );
    while (held.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));

    controller.abort(reason);
    const outcomes = await done;

    expect(outcomes).toHaveLength(3);
    for (const outcome of outcomes) {
      expect(outcome.ok).toBe(false);
      expect(outcome.ok === false && outcome.error).toBe(reason);
    }
    expect(pulled).toBe(3);
    expect(closed).toBe(true);
    expect(held).toHaveLength(3);
  });

  it('pulls nothing and sends nothing with an already aborted signal', async () => {
    const { fetch } = instantFetch();
    let pulled = 0;
    function* tokens() {
      pulled++;
      yield 'tok-1';
    }
    const signal = AbortSignal.abort(new Error('never mind'));
    const outcomes = await collect(client({ fetch }).revokeMany(tokens(), { signal }));
    expect(outcomes).toEqual([]);
    expect(pulled).toBe(0);
    expect(fetch).not.toHaveBeenCalled();
  });
});
