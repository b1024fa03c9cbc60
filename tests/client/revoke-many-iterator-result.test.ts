// An input whose next() breaks the iterator protocol with a result that is not an object (undefined,
// null, a number) has failed, as one whose next() throws: revokeMany yields the outcomes of the calls
// already started (their requests were sent), does not close the input, then throws an InputTypeError
// (`invalid_token_input`, input `tokens`) that says what next() returned.
import { createRevocationClient, InputTypeError, type RevocationOutcome, type TokenInput } from '../../src';

/** A client whose requests each take 50 ms, so that the first items are still in flight when the input breaks. */
function slowClient() {
  const bodies: string[] = [];
  const client = createRevocationClient({
    baseUrl: 'https://digilocker.test/public',
    credentials: { clientId: 'id', clientSecret: 'secret' },
    fetch: async (_url, init) => {
      bodies.push(String(init?.body));
      await new Promise((resolve) => setTimeout(resolve, 50));
      return new Response('');
    },
  });
  return { client, bodies };
}

/** Gives two tokens, then `broken` from every later next(); records whether return() was called. */
function breakingInput(broken: unknown, protocol: 'sync' | 'async') {
  const state = { returned: false };
  let position = 0;
  const iterator = {
    next: () => (position < 2 ? { done: false, value: `tok-${position++}` } : broken),
    return: () => {
      state.returned = true;
      return { done: true, value: undefined };
    },
  };
  const asyncIterator = {
    next: async () => iterator.next(),
    return: async () => iterator.return(),
  };
  const input =
    protocol === 'sync'
      ? { [Symbol.iterator]: () => iterator }
      : { [Symbol.asyncIterator]: () => asyncIterator };
  return { input: input as unknown as Iterable<TokenInput>, state };
}

describe.each(['sync', 'async'] as const)('a %s input whose next() returns a non-object', (protocol) => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
  ])(
    '(%s) fails like a throwing next(): in-flight outcomes first, input not closed',
    async (name, broken) => {
      const { client, bodies } = slowClient();
      const { input, state } = breakingInput(broken, protocol);
      const seen: RevocationOutcome[] = [];
      const error = await (async () => {
        for await (const outcome of client.revokeMany(input, { concurrency: 8 })) {
          seen.push(outcome);
          if (seen.length > 10) break; // an input read on past its failure would never end
        }
      })().catch((e: unknown) => e);
      expect(bodies).toHaveLength(2);
      expect(seen.map((outcome) => [outcome.index, outcome.ok]).sort()).toEqual([
        [0, true],
        [1, true],
      ]);
      expect(error).toBeInstanceOf(InputTypeError);
      expect(error).toMatchObject({ code: 'invalid_token_input', input: 'tokens' });
      expect((error as Error).message).toContain(`next() returned ${name === 'a number' ? 'number' : name}`);
      expect(state.returned).toBe(false);
    },
  );
});
