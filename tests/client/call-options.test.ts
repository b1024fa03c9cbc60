// The options of one call are checked before any request, like the client's: an unknown key (a typo
// such as `timeout` for the client's `timeoutMs`, or `tokenTypeHnt`) and a signal that is not a usable
// AbortSignal (one without removeEventListener would throw once the request is sent, out of reach of
// the caller) reject with an InputTypeError, code `invalid_option`, naming the input.
import { createRevocationClient, InputTypeError, type RevokeOptions } from '../../src';
import { rejection } from '../support/fixtures';

function countingClient() {
  const sent: string[] = [];
  const client = createRevocationClient({
    credentials: { clientId: 'client-1', clientSecret: 'call-options-secret' },
    fetch: async (url) => {
      sent.push(String(url));
      return new Response(null, { status: 200 });
    },
  });
  return { client, sent };
}

/** Signal-like objects that lack part of what listening to a signal needs. */
const NOT_SIGNALS: [string, unknown][] = [
  ['without removeEventListener', { aborted: false, addEventListener() {} }],
  ['without addEventListener', { aborted: false, removeEventListener() {} }],
  ['without aborted', { addEventListener() {}, removeEventListener() {} }],
  ['a function', () => {}],
  ['null', null],
];

describe('revoke', () => {
  it.each([
    ['timeout', { timeout: 5 }],
    ['tokenTypeHnt', { tokenTypeHnt: 'access_token' }],
  ])('refuses the unknown call option %s before any request', async (input, options) => {
    const { client, sent } = countingClient();
    const error = await rejection(client.revoke('tok', options as RevokeOptions));
    expect(error).toBeInstanceOf(InputTypeError);
    expect(error).toMatchObject({ code: 'invalid_option', input });
    expect(sent).toEqual([]);
  });

  it.each(NOT_SIGNALS)('refuses a signal %s before any request', async (_label, signal) => {
    const { client, sent } = countingClient();
    const error = await rejection(client.revoke('tok', { signal: signal as AbortSignal }));
    expect(error).toBeInstanceOf(InputTypeError);
    expect(error).toMatchObject({ code: 'invalid_option', input: 'signal' });
    expect(sent).toEqual([]);
  });

  it('accepts its own options, and a signal from a signal-like class', async () => {
    const { client, sent } = countingClient();
    class ForeignSignal extends EventTarget {
      readonly aborted = false;
    }
    const signal = new ForeignSignal() as unknown as AbortSignal;
    await expect(client.revoke('tok', { tokenTypeHint: 'access_token', signal })).resolves.toMatchObject({
      outcome: 'revoked',
    });
    expect(sent).toHaveLength(1);
  });
});

describe('revokeMany', () => {
  it('refuses a signal without removeEventListener before pulling any input', () => {
    const { client, sent } = countingClient();
    const signal = { aborted: false, addEventListener() {} } as unknown as AbortSignal;
    expect(() => client.revokeMany(['tok'], { signal })).toThrow(
      expect.objectContaining({ code: 'invalid_option', input: 'signal' }),
    );
    expect(sent).toEqual([]);
  });

  it('still takes its own concurrency option, and refuses an unknown one', () => {
    const { client } = countingClient();
    expect(() => client.revokeMany(['tok'], { concurrency: 2 })).not.toThrow();
    expect(() => client.revokeMany(['tok'], { concurency: 2 } as object)).toThrow(
      expect.objectContaining({ code: 'invalid_option', input: 'concurency' }),
    );
  });
});
