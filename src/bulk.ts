import { readInput } from './batch-input';
import type { Clock } from './clock';
import { DEFAULTS, LIMITS } from './defaults';
import { fingerprintOf } from './fingerprint';
import { ignore } from './ignore';
import { InputTypeError } from './input-errors';
import { onAbort } from './on-abort';
import { PauseGate } from './pause-gate';
import type { RevocationOutcome, RevocationResult } from './results';
import { assertCallOptions, describeType, integerInRange, typeError } from './validate';
import type { TokenTypeHint } from './wire';

/** One input of revokeMany: a token, or a token with its own hint and an id of yours. */
export type TokenInput = string | { token: string; tokenTypeHint?: TokenTypeHint; id?: string | number };

/** Options of revokeMany. */
export interface RevocationBatchOptions {
  /**
   * Requests in flight at most, from 1 to 1024.
   * @default 8
   */
  concurrency?: number;
  /** The hint for inputs that carry none. */
  tokenTypeHint?: TokenTypeHint;
  /** Stops pulling input, aborts what is in flight (each yields an outcome with `signal.reason`) and ends. */
  signal?: AbortSignal;
}

const BATCH_OPTIONS: ReadonlySet<string> = new Set([
  'concurrency',
  'tokenTypeHint',
  'signal',
] satisfies (keyof RevocationBatchOptions)[]);

/** What the pool needs from the client: one call, its budget counted from `startedAt`. */
interface PoolDependencies {
  clock: Clock;
  revoke(call: {
    token: string;
    hint: TokenTypeHint | undefined;
    signal: AbortSignal | undefined;
    fingerprint?: string;
    startedAt: number;
    gate: PauseGate;
  }): Promise<RevocationResult>;
}

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
    throw new InputTypeError(
      `revokeMany(tokens): tokens must be an Iterable or AsyncIterable, got ${describeType(tokens)}`,
      { code: 'invalid_token_input', input: 'tokens' },
    );
  }
  assertCallOptions('revokeMany', options, BATCH_OPTIONS);
  const concurrency = integerInRange(
    'concurrency',
    options.concurrency,
    1,
    LIMITS.maxConcurrency,
    DEFAULTS.concurrency,
  );
  return pool(tokens, concurrency, options, dependencies);
}

/**
 * The pool. Finished outcomes wait in `finished` until the consumer takes them; a finished call or an
 * abort wakes the loop. Input is pulled only while in-flight and finished outcomes together leave room,
 * so memory stays bounded by `concurrency` whatever the input's size. Every call listens to the caller's
 * signal through {@link onAbort}, so that it holds one listener whatever the concurrency.
 */
async function* pool(
  tokens: Iterable<TokenInput> | AsyncIterable<TokenInput>,
  concurrency: number,
  options: RevocationBatchOptions,
  dependencies: PoolDependencies,
): AsyncGenerator<RevocationOutcome> {
  const { signal, tokenTypeHint } = options;
  const gate = new PauseGate();
  const iterator = isAsyncIterable(tokens) ? tokens[Symbol.asyncIterator]() : tokens[Symbol.iterator]();
  const finished: RevocationOutcome[] = [];
  const wakeups = createWakeups();
  const stopListening = signal && onAbort(signal, wakeups.wake);
  const calls = createCalls(finished, wakeups.wake, (index, input) =>
    outcomeOf(index, input, tokenTypeHint, signal, gate, dependencies),
  );

  let nextIndex = 0;
  let exhausted = false;
  // A read of the input that is still waiting (slow or open standard input) while outcomes arrive.
  let pendingRead: Promise<IteratorResult<TokenInput>> | undefined;
  // The input's own failure: thrown once the calls already started have settled and been yielded.
  let inputFailure: { error: unknown } | undefined;
  try {
    for (;;) {
      // Finished outcomes go out first, even while the input is slow: a caller journaling them loses
      // nothing if the process dies while waiting for more input.
      const outcome = finished.shift();
      if (outcome) {
        yield outcome;
        continue;
      }
      if (exhausted || calls.running >= concurrency || signal?.aborted) {
        if (calls.running > 0) await wakeups.next();
        else if (inputFailure) throw inputFailure.error;
        else return;
        continue;
      }
      pendingRead ??= nextOf(iterator);
      let next: IteratorResult<TokenInput> | typeof WOKEN;
      try {
        next = await Promise.race([pendingRead, wakeups.next()]);
        if (next !== WOKEN) assertIteratorResult(next);
      } catch (error) {
        // The input failed: it is not read again (nor closed, as for...of does not after a throw).
        exhausted = true;
        inputFailure = { error };
        continue;
      }
      if (next === WOKEN) continue;
      pendingRead = undefined;
      if (next.done) exhausted = true;
      else calls.launch(nextIndex++, next.value);
    }
  } finally {
    stopListening?.();
    if (!exhausted) await closeInput(iterator, pendingRead);
  }
}

const WOKEN = Symbol('woken');

/** The calls in flight: how many, and each one's outcome put in `finished` when it settles. */
function createCalls(
  finished: RevocationOutcome[],
  wake: () => void,
  start: (index: number, input: unknown) => Promise<RevocationOutcome>,
) {
  const calls = {
    running: 0,
    launch(index: number, input: unknown): void {
      calls.running++;
      const done = (outcome: RevocationOutcome) => {
        calls.running--;
        finished.push(outcome);
        wake();
      };
      // outcomeOf() does not reject; should it ever, the input still gets its outcome.
      start(index, input).then(done, (error: unknown) =>
        done({ index, fingerprint: '', ok: false, error: asError(error) }),
      );
    },
  };
  return calls;
}

/** The input's next item, a synchronous throw of `next()` included, as a promise. */
function nextOf(
  iterator: Iterator<TokenInput> | AsyncIterator<TokenInput>,
): Promise<IteratorResult<TokenInput>> {
  try {
    return Promise.resolve(iterator.next());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Throws unless `next` is an iterator result (an object), as `for...of` would: an input whose `next()`
 * breaks the protocol has failed, like one whose `next()` throws.
 */
function assertIteratorResult(next: unknown): asserts next is IteratorResult<TokenInput> {
  if (next === null || typeof next !== 'object')
    throw typeError('tokens', `next() returned ${describeType(next)}, not an object`, 'invalid_token_input');
}

/** Wakes the pool's loop when an outcome arrives or the caller aborts. */
function createWakeups() {
  let wake: ((value: typeof WOKEN) => void) | undefined;
  return {
    wake: () => wake?.(WOKEN),
    next: () => new Promise<typeof WOKEN>((resolve) => (wake = resolve)),
  };
}

/**
 * Closes the input early. An async generator's `return()` queues behind a `next()` still waiting, so
 * with a read pending it is called without waiting for it: the iteration ends at once, and the input
 * closes when its read settles.
 */
async function closeInput(
  iterator: Iterator<TokenInput> | AsyncIterator<TokenInput>,
  pendingRead: Promise<IteratorResult<TokenInput>> | undefined,
): Promise<void> {
  if (pendingRead === undefined) {
    await iterator.return?.();
    return;
  }
  pendingRead.then(undefined, ignore);
  Promise.resolve(iterator.return?.()).then(undefined, ignore);
}

/** One input's outcome: its result, or the error of the call or of the input itself. */
async function outcomeOf(
  index: number,
  input: unknown,
  defaultHint: TokenTypeHint | undefined,
  signal: AbortSignal | undefined,
  gate: PauseGate,
  dependencies: PoolDependencies,
): Promise<RevocationOutcome> {
  const startedAt = dependencies.clock.now();
  const item = readInput(input, defaultHint);
  const base = item.id === undefined ? { index } : { index, id: item.id };
  if (item.error) {
    const fingerprint = item.text === undefined ? '' : fingerprintOf(item.text);
    return { ...base, fingerprint, ok: false, error: item.error };
  }
  const fingerprint = fingerprintOf(item.token);
  try {
    const result = await dependencies.revoke({
      token: item.token,
      hint: item.hint,
      signal,
      fingerprint,
      startedAt,
      gate,
    });
    return { ...base, fingerprint, ok: true, result };
  } catch (error) {
    return { ...base, fingerprint, ok: false, error: asError(error) };
  }
}

/** An abort reason that is not an Error (a string, say) becomes an AbortError whose cause it is. */
function asError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  const error = new DOMException('The operation was aborted', 'AbortError');
  Object.defineProperty(error, 'cause', { value: reason, configurable: true, writable: true });
  return error;
}

function isIterable(value: unknown): value is Iterable<TokenInput> | AsyncIterable<TokenInput> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  // A string is iterable too, but a string of tokens is almost certainly a mistake.
  return isAsyncIterable(value) || typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** True when `value` has an async iterator: the protocol used when an input has both. */
function isAsyncIterable(value: object): value is AsyncIterable<TokenInput> {
  return typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}
