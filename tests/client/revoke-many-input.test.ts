// How revokeMany treats its input as an iterator: it closes it (`return()`) once on an early exit and
// never after it ran out, prefers the async protocol, refuses what only looks iterable, and turns an
// abort reason that is not an Error into an AbortError.
import { getEventListeners } from 'node:events';
import { createRevocationClient, type RevocationOutcome, type TokenInput, tokenFingerprint } from '../../src';
import { SCRIPTED_BASE, testClient } from '../support/clients';

const client = () => testClient({ baseUrl: SCRIPTED_BASE, fetch: async () => new Response('') });

/** A client whose fetch records each request body and answers 200. */
function recordingClient() {
  const bodies: string[] = [];
  const revoker = createRevocationClient({
    baseUrl: 'https://digilocker.test/public',
    credentials: { clientId: 'id', clientSecret: 'secret' },
    fetch: async (_url, init) => {
      bodies.push(String(init?.body));
      return new Response('');
    },
  });
  return { revoker, bodies };
}

async function collect(outcomes: AsyncIterable<RevocationOutcome>) {
  const all: RevocationOutcome[] = [];
  for await (const outcome of outcomes) all.push(outcome);
  return all.sort((a, b) => a.index - b.index);
}

/** A hand-written iterator over `tokens` that records each call of next() and return(). */
function recordingIterable(tokens: TokenInput[]) {
  const calls: string[] = [];
  let position = 0;
  const iterator: Iterator<TokenInput> = {
    next() {
      calls.push('next');
      return position < tokens.length
        ? { done: false, value: tokens[position++] as TokenInput }
        : { done: true, value: undefined };
    },
    return() {
      calls.push('return');
      return { done: true, value: undefined };
    },
  };
  return { iterable: { [Symbol.iterator]: () => iterator }, calls };
}

describe('closing the input', () => {
  it('never calls return() on an input that ran out', async () => {
    const { iterable, calls } = recordingIterable(['a', 'b']);
    const outcomes = await collect(client().revokeMany(iterable, { concurrency: 1 }));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    expect(calls).toEqual(['next', 'next', 'next']);
  });

  it('calls return() once when the caller breaks out of the loop', async () => {
    const { iterable, calls } = recordingIterable(['a', 'b', 'c', 'd']);
    for await (const outcome of client().revokeMany(iterable, { concurrency: 1 })) {
      expect(outcome.ok).toBe(true);
      break;
    }
    expect(calls.filter((call) => call === 'return')).toEqual(['return']);
    expect(calls.at(-1)).toBe('return');
  });

  it('calls return() once when the input is aborted before it ran out', async () => {
    const { iterable, calls } = recordingIterable(['a', 'b', 'c']);
    const controller = new AbortController();
    const outcomes: RevocationOutcome[] = [];
    for await (const outcome of client().revokeMany(iterable, {
      concurrency: 1,
      signal: controller.signal,
    })) {
      outcomes.push(outcome);
      controller.abort(new Error('stop'));
    }
    expect(outcomes).toHaveLength(1);
    expect(calls.filter((call) => call === 'return')).toEqual(['return']);
  });
});

describe('an input that fails', () => {
  it('an item whose fields throw when read is an outcome with a TypeError, and the others go on', async () => {
    const broken = new Error('getter boom');
    const item = Object.defineProperty({}, 'token', {
      get() {
        throw broken;
      },
    });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const outcomes = await collect(
      client().revokeMany(['a', item as TokenInput, revoked.proxy as TokenInput, 'b']),
    );
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, false, true]);
    expect(outcomes[1]).toMatchObject({
      fingerprint: '',
      error: { name: 'InputTypeError', code: 'invalid_token_input', cause: broken },
    });
    expect(outcomes[1]?.ok === false && outcomes[1].error).toBeInstanceOf(TypeError);
    expect(outcomes[2]).toMatchObject({ error: { name: 'InputTypeError', code: 'invalid_token_input' } });
  });

  it('reads a token given by a getter once: the value checked is the value sent', async () => {
    const { revoker, bodies } = recordingClient();
    let reads = 0;
    const item = Object.defineProperty({}, 'token', {
      get: () => (reads++ === 0 ? 'good-token' : 'bad\ntoken'),
    });
    const [outcome] = await collect(revoker.revokeMany([item as TokenInput]));
    expect(outcome).toMatchObject({ ok: true });
    expect(bodies).toEqual(['token=good-token']);
    expect(reads).toBe(1);
  });

  it("reports the calls already started, then throws the input's error, without calling return()", async () => {
    const failure = new Error('cursor lost');
    let returned = false;
    let position = 0;
    const input: AsyncIterable<TokenInput> = {
      [Symbol.asyncIterator]: () => ({
        async next() {
          if (position === 3) throw failure;
          return { done: false, value: `tok-${position++}` };
        },
        async return() {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const seen: RevocationOutcome[] = [];
    const error = await (async () => {
      for await (const outcome of client().revokeMany(input, { concurrency: 8 })) seen.push(outcome);
    })().catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(seen.map((outcome) => outcome.index).sort()).toEqual([0, 1, 2]);
    expect(seen.every((outcome) => outcome.ok)).toBe(true);
    expect(returned).toBe(false);
  });

  it('a synchronous next() that throws is the same', async () => {
    const failure = new Error('sync cursor lost');
    let position = 0;
    const input: Iterable<TokenInput> = {
      [Symbol.iterator]: () => ({
        next() {
          if (position === 2) throw failure;
          return { done: false, value: `tok-${position++}` };
        },
      }),
    };
    const seen: number[] = [];
    const error = await (async () => {
      for await (const outcome of client().revokeMany(input)) seen.push(outcome.index);
    })().catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(seen.sort()).toEqual([0, 1]);
  });
});

describe('the input protocols', () => {
  it('uses the async protocol of an input that has both', async () => {
    const input = {
      [Symbol.iterator]: function* () {
        yield 'from-sync';
      },
      [Symbol.asyncIterator]: async function* () {
        yield 'from-async-1';
        yield 'from-async-2';
      },
    };
    const outcomes = await collect(client().revokeMany(input));
    expect(outcomes).toHaveLength(2);
  });

  it.each([
    ['Symbol.iterator is not a function', { [Symbol.iterator]: 'yes' }],
    ['Symbol.asyncIterator is not a function', { [Symbol.asyncIterator]: true }],
  ])('refuses an object whose %s, with a TypeError', (_label, tokens) => {
    // @ts-expect-error: deliberately the wrong type
    expect(() => client().revokeMany(tokens)).toThrow(
      /^revokeMany\(tokens\): tokens must be an Iterable or AsyncIterable, got /,
    );
  });

  it('refuses an unknown option at once (a typo of concurrency), before any request', () => {
    // @ts-expect-error: a typo of concurrency
    expect(() => client().revokeMany(['a'], { concurency: 64 })).toThrow('Unknown option "concurency"');
  });

  it('uses the sync protocol when Symbol.asyncIterator is present but not a function', async () => {
    const tokens = {
      [Symbol.asyncIterator]: undefined,
      *[Symbol.iterator]() {
        yield 'a';
      },
    };
    await expect(
      collect(client().revokeMany(tokens as unknown as Iterable<TokenInput>)),
    ).resolves.toHaveLength(1);
  });

  it('takes an iterable function object (a generator function is not one, its call is)', async () => {
    const tokens = Object.assign(() => undefined, {
      *[Symbol.iterator]() {
        yield 'a';
      },
    });
    await expect(collect(client().revokeMany(tokens))).resolves.toHaveLength(1);
  });
});

describe('an abort reason that is not an Error', () => {
  /** revokeMany of one token whose request is in flight when the caller aborts with `reason`. */
  async function revokeOneAbortedWith(reason: unknown) {
    const controller = new AbortController();
    const revoker = createRevocationClient({
      baseUrl: 'https://digilocker.test/public',
      credentials: { clientId: 'id', clientSecret: 'secret' },
      fetch: (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
          setTimeout(() => controller.abort(reason), 5);
        }),
    });
    return collect(revoker.revokeMany(['a'], { signal: controller.signal }));
  }

  it('becomes an AbortError DOMException in the outcomes of what was in flight', async () => {
    const outcomes = await revokeOneAbortedWith('just a string');
    expect(outcomes).toHaveLength(1);
    const [outcome] = outcomes;
    expect(outcome?.ok).toBe(false);
    const error = (outcome as Extract<RevocationOutcome, { ok: false }>).error;
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: 'AbortError', message: 'The operation was aborted' });
  });

  it('keeps the reason as the cause of that AbortError', async () => {
    const [outcome] = await revokeOneAbortedWith('just a string');
    const { error } = outcome as Extract<RevocationOutcome, { ok: false }>;
    expect(error.cause).toBe('just a string');
    // A cause like the one `new Error(message, { cause })` sets: writable, configurable, not enumerable.
    expect(Object.getOwnPropertyDescriptor(error, 'cause')).toEqual(
      Object.getOwnPropertyDescriptor(new Error('x', { cause: 'just a string' }), 'cause'),
    );
  });

  it('an Error reason is kept as it is', async () => {
    const reason = new RangeError('mine');
    const [outcome] = await revokeOneAbortedWith(reason);
    expect((outcome as Extract<RevocationOutcome, { ok: false }>).error).toBe(reason);
  });
});

describe('the caller signal', () => {
  it('holds one listener while the batch runs, whatever the concurrency, and none once it ends', async () => {
    const controller = new AbortController();
    const counts: number[] = [];
    const revoker = createRevocationClient({
      baseUrl: 'https://digilocker.test/public',
      credentials: { clientId: 'id', clientSecret: 'secret' },
      fetch: async () => {
        counts.push(getEventListeners(controller.signal, 'abort').length);
        return new Response('');
      },
    });
    const tokens = Array.from({ length: 20 }, (_, i) => `token-${i}`);
    const outcomes = await collect(revoker.revokeMany(tokens, { concurrency: 8, signal: controller.signal }));
    expect(outcomes).toHaveLength(20);
    expect(new Set(counts)).toEqual(new Set([1]));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('what a bad input says', () => {
  it.each([
    [42, TypeError, 'each input must be a string or { token, tokenTypeHint?, id? }, got number'],
    [null, TypeError, 'each input must be a string or { token, tokenTypeHint?, id? }, got null'],
    [{ token: 'tok', id: Number.POSITIVE_INFINITY }, TypeError, 'id must be a string or a finite number'],
    [{ token: 'tok', id: true }, TypeError, 'id must be a string or a finite number'],
    [
      { token: 'tok', tokenTypeHint: 'id_token' },
      TypeError,
      'tokenTypeHint must be "access_token" or "refresh_token"',
    ],
  ])('%p: %p "%s", code invalid_token_input', async (input, ErrorClass, message) => {
    const [outcome] = await collect(client().revokeMany([input as TokenInput]));
    const error = (outcome as Extract<RevocationOutcome, { ok: false }>).error;
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.message).toBe(message);
    expect(error).toMatchObject({ code: 'invalid_token_input' });
    expect(outcome).not.toHaveProperty('id');
  });

  it('an object whose token is bad keeps its fingerprint and id, a token that is no string has none', async () => {
    const [tooLong, notString] = await collect(
      client().revokeMany([
        { token: 't'.repeat(4097), id: 'user-1' },
        { token: 42 as unknown as string, id: 7 },
      ]),
    );
    expect(tooLong).toMatchObject({
      ok: false,
      id: 'user-1',
      fingerprint: await tokenFingerprint('t'.repeat(4097)),
    });
    expect(notString).toMatchObject({ ok: false, id: 7, fingerprint: '' });
  });

  it('an input with an id of its own and no hint takes the batch hint', async () => {
    const { revoker, bodies } = recordingClient();
    const outcomes = await collect(
      revoker.revokeMany([{ token: 'tok-1', id: 'x' }], { tokenTypeHint: 'refresh_token' }),
    );
    expect(outcomes[0]).toMatchObject({ ok: true, id: 'x', index: 0 });
    expect(bodies).toEqual(['token=tok-1&token_type_hint=refresh_token']);
  });
});

describe('what revokeMany says about its arguments and odd inputs', () => {
  it('names itself when its options are not an object, and refuses null as tokens in words', () => {
    // @ts-expect-error: deliberately the wrong type
    expect(() => client().revokeMany(['a'], 'fast')).toThrow('revokeMany: options must be an object');
    // @ts-expect-error: deliberately the wrong type
    expect(() => client().revokeMany(null)).toThrow(
      /^revokeMany\(tokens\): tokens must be an Iterable or AsyncIterable, got /,
    );
  });

  it('takes no id from an input that is a function, however it is dressed', async () => {
    const input = Object.assign(() => 'tok', { id: 'fn-1', token: 'tok' });
    const [outcome] = await collect(client().revokeMany([input as unknown as TokenInput]));
    expect(outcome).toMatchObject({ ok: false, index: 0 });
    expect(outcome).not.toHaveProperty('id');
  });

  it('ends a break cleanly when the input, with no return(), is still reading', async () => {
    let reads = 0;
    const iterator: AsyncIterator<TokenInput> = {
      next: () => (reads++ === 0 ? Promise.resolve({ done: false, value: 'a' }) : new Promise(() => {})),
    };
    const input = { [Symbol.asyncIterator]: () => iterator };
    const seen: RevocationOutcome[] = [];
    for await (const outcome of client().revokeMany(input)) {
      seen.push(outcome);
      break;
    }
    expect(seen).toHaveLength(1);
    expect(reads).toBe(2);
  });
});
