import type { Clock } from './clock';
import { DEFAULTS, LIMITS } from './defaults';
import { fingerprintNow } from './fingerprint';
import { onAbort } from './on-abort';
import { PauseGate } from './pause-gate';
import type { TokenTypeHint } from './raw';
import type { RevocationOutcome, RevocationResult } from './results';
import {
  assertCallOptions,
  assertKnownKeys,
  assertToken,
  assertTokenTypeHint,
  describeType,
  integerInRange,
} from './validate';

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
    fingerprint: string;
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
    throw new TypeError(
      `revokeMany(tokens): tokens must be an Iterable or AsyncIterable, got ${describeType(tokens)}`,
    );
  }
  assertCallOptions('revokeMany', options);
  assertKnownKeys(options, BATCH_OPTIONS);
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
  const iterator =
    Symbol.asyncIterator in tokens ? tokens[Symbol.asyncIterator]() : tokens[Symbol.iterator]();
  const finished: RevocationOutcome[] = [];
  let running = 0;
  const wakeups = createWakeups();
  const stopListening = signal && onAbort(signal, wakeups.wake);
  const launch = (index: number, input: unknown) => {
    running++;
    void settle(index, input, tokenTypeHint, signal, gate, dependencies).then((outcome) => {
      running--;
      finished.push(outcome);
      wakeups.wake();
    });
  };

  let nextIndex = 0;
  let exhausted = false;
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
      if (exhausted || running >= concurrency || signal?.aborted) {
        if (running === 0) return;
        await wakeups.next();
        continue;
      }
      pendingRead ??= Promise.resolve(iterator.next());
      const next = await Promise.race([pendingRead, wakeups.next()]);
      if (next === WOKEN) continue;
      pendingRead = undefined;
      if (next.done) exhausted = true;
      else launch(nextIndex++, next.value);
    }
  } finally {
    stopListening?.();
    if (!exhausted) await closeInput(iterator, pendingRead);
  }
}

const WOKEN = Symbol('woken');

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
async function settle(
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
    const fingerprint = item.text === undefined ? '' : fingerprintNow(item.text);
    return { ...base, fingerprint, ok: false, error: item.error };
  }
  const fingerprint = fingerprintNow(item.token);
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

type ReadInput =
  | { token: string; hint: TokenTypeHint | undefined; id: string | number | undefined; error?: undefined }
  /** `text`: the rejected token when it was a string, to fingerprint. */
  | { error: TypeError | RangeError; id: string | number | undefined; text: string | undefined };

/** Normalises one input; an invalid one becomes an outcome with its TypeError or RangeError. */
function readInput(input: unknown, defaultHint: TokenTypeHint | undefined): ReadInput {
  const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const id = isId(fields.id) ? fields.id : undefined;
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
    if (fields.id !== undefined && !isId(fields.id))
      throw new TypeError('id must be a string or a finite number');
    assertToken(fields.token);
    if (fields.tokenTypeHint !== undefined) assertTokenTypeHint(fields.tokenTypeHint);
    return {
      token: fields.token,
      hint: (fields.tokenTypeHint as TokenTypeHint | undefined) ?? defaultHint,
      id,
    };
  } catch (error) {
    const text = typeof input === 'string' ? input : fields.token;
    return { error: error as TypeError | RangeError, id, text: typeof text === 'string' ? text : undefined };
  }
}

function isId(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

function isIterable(value: unknown): value is Iterable<TokenInput> | AsyncIterable<TokenInput> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  // A string is iterable too, but a string of tokens is almost certainly a mistake.
  return (
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
    typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function'
  );
}

function ignore(): void {}
