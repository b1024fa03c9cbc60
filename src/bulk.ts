import type { RevocationResult } from './client';
import { DEFAULTS, LIMITS } from './defaults';
import { fingerprintNow } from './fingerprint';
import { assertToken, assertTokenTypeHint, describeType } from './input';
import { assertCallOptions, type Clock } from './options';
import { PauseGate } from './pause-gate';
import type { TokenTypeHint } from './raw';

/** One input of revokeMany: a token, or a token with its own hint and an id of yours. */
export type TokenInput = string | { token: string; tokenTypeHint?: TokenTypeHint; id?: string };

/** Options of revokeMany. */
export interface RevocationBatchOptions {
  /**
   * Requests in flight at most.
   * @default 8
   */
  concurrency?: number;
  /** The hint for inputs that carry none. */
  tokenTypeHint?: TokenTypeHint;
  /** Stops pulling input, aborts what is in flight (each yields an outcome with `signal.reason`) and ends. */
  signal?: AbortSignal;
}

/**
 * What happened to one input of revokeMany: never the token, only its position, your id and its
 * fingerprint (empty when the input was not a string). `error` is a RevocationError, the TypeError or
 * RangeError of an invalid input, or the abort reason.
 */
export type RevocationOutcome =
  | { index: number; id?: string; fingerprint: string; ok: true; result: RevocationResult }
  | { index: number; id?: string; fingerprint: string; ok: false; error: unknown };

/** What the pool needs from the client. */
export interface PoolDependencies {
  clock: Clock;
  revoke(
    token: string,
    hint: TokenTypeHint | undefined,
    signal: AbortSignal | undefined,
    fingerprint: string,
    gate: PauseGate,
  ): Promise<RevocationResult>;
}

const MAX_CONCURRENCY = LIMITS.maxConcurrency;

/**
 * Validates the arguments of revokeMany at once (a TypeError or RangeError before any request), then
 * returns the lazy, bounded pool as an async iterable.
 */
export function revokeInPool(
  tokens: Iterable<TokenInput> | AsyncIterable<TokenInput>,
  options: RevocationBatchOptions,
  dependencies: PoolDependencies,
): AsyncIterable<RevocationOutcome> {
  if (!isIterable(tokens)) {
    throw new TypeError(
      `revokeMany(tokens): tokens must be an Iterable or AsyncIterable, got ${describeType(tokens)}`,
    );
  }
  assertCallOptions('revokeMany', options);
  const concurrency = options.concurrency ?? DEFAULTS.concurrency;
  if (typeof concurrency !== 'number' || Number.isNaN(concurrency))
    throw new TypeError('concurrency must be a number');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new RangeError(`concurrency must be an integer from 1 to ${MAX_CONCURRENCY}`);
  }
  return pool(tokens, concurrency, options, dependencies);
}

async function* pool(
  tokens: Iterable<TokenInput> | AsyncIterable<TokenInput>,
  concurrency: number,
  options: RevocationBatchOptions,
  dependencies: PoolDependencies,
): AsyncGenerator<RevocationOutcome> {
  const { signal } = options;
  const gate = new PauseGate();
  const iterator =
    Symbol.asyncIterator in tokens
      ? tokens[Symbol.asyncIterator]()
      : (tokens as Iterable<TokenInput>)[Symbol.iterator]();
  // Finished outcomes wait in `finished` until the consumer takes them; a worker that finishes wakes the
  // loop. Input is pulled only while in-flight and finished outcomes together leave room, so memory
  // stays bounded by `concurrency` whatever the input's size.
  const finished: RevocationOutcome[] = [];
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let nextIndex = 0;
  let exhausted = false;

  const settle = async (index: number, input: unknown): Promise<RevocationOutcome> => {
    const item = readInput(input, options.tokenTypeHint);
    const base = item.id === undefined ? { index } : { index, id: item.id };
    if (item.error) {
      const fingerprint = item.text === undefined ? '' : fingerprintNow(item.text);
      return { ...base, fingerprint, ok: false, error: item.error };
    }
    const fingerprint = fingerprintNow(item.token);
    try {
      const result = await dependencies.revoke(item.token, item.hint, signal, fingerprint, gate);
      return { ...base, fingerprint, ok: true, result };
    } catch (error) {
      return { ...base, fingerprint, ok: false, error };
    }
  };

  const launch = (index: number, input: unknown) => {
    inFlight++;
    void settle(index, input).then((outcome) => {
      inFlight--;
      finished.push(outcome);
      wake?.();
    });
  };
  const outcomeArrives = () =>
    new Promise<typeof OUTCOME_ARRIVED>((resolve) => {
      wake = () => resolve(OUTCOME_ARRIVED);
    });
  // A read of the input that is still waiting (slow or open standard input) while outcomes arrive.
  let pendingRead: Promise<IteratorResult<TokenInput>> | undefined;

  try {
    for (;;) {
      // Finished outcomes go out first, even while the input is slow: a caller journaling them loses
      // nothing if the process dies while waiting for more input.
      const outcome = finished.shift();
      if (outcome) {
        yield outcome;
        continue;
      }
      if (exhausted || inFlight >= concurrency || signal?.aborted) {
        if (inFlight === 0) return;
        await outcomeArrives();
        continue;
      }
      pendingRead ??= Promise.resolve(iterator.next());
      const next = inFlight === 0 ? await pendingRead : await Promise.race([pendingRead, outcomeArrives()]);
      wake = undefined;
      if (next === OUTCOME_ARRIVED) continue;
      pendingRead = undefined;
      if (next.done) exhausted = true;
      else launch(nextIndex++, next.value);
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
}

const OUTCOME_ARRIVED = Symbol('outcome arrived');

type ReadInput =
  | {
      token: string;
      hint: TokenTypeHint | undefined;
      id: string | undefined;
      error?: undefined;
    }
  /** `text`: the rejected token when it was a string, to fingerprint. */
  | { error: TypeError | RangeError; id: string | undefined; text: string | undefined };

/** Normalises one input; an invalid one becomes an outcome with its TypeError or RangeError. */
function readInput(input: unknown, defaultHint: TokenTypeHint | undefined): ReadInput {
  try {
    if (typeof input === 'string') {
      assertToken(input);
      return { token: input, hint: defaultHint, id: undefined };
    }
    if (input === null || typeof input !== 'object') {
      throw new TypeError(
        `each input must be a string or { token, tokenTypeHint?, id? }, got ${describeType(input)}`,
      );
    }
    const { token, tokenTypeHint, id } = input as Record<string, unknown>;
    if (id !== undefined && typeof id !== 'string') throw new TypeError('id must be a string');
    assertToken(token);
    if (tokenTypeHint !== undefined) assertTokenTypeHint(tokenTypeHint);
    return { token, hint: (tokenTypeHint as TokenTypeHint | undefined) ?? defaultHint, id };
  } catch (error) {
    const fields =
      typeof input === 'object' && input !== null ? (input as { id?: unknown; token?: unknown }) : {};
    const text = typeof input === 'string' ? input : fields.token;
    return {
      error: error as TypeError | RangeError,
      id: typeof fields.id === 'string' ? fields.id : undefined,
      text: typeof text === 'string' ? text : undefined,
    };
  }
}

function isIterable(value: unknown): value is Iterable<TokenInput> | AsyncIterable<TokenInput> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  // A string is iterable too, but a string of tokens is almost certainly a mistake.
  return (
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
    typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function'
  );
}
