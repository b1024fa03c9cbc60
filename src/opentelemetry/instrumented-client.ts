import {
  type Attributes,
  context,
  createContextKey,
  type Meter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { RevocationBatchOptions, TokenInput } from '../bulk';
import { createRevocationClient, type RevocationClient } from '../client';
import type { RevocationEvent } from '../events';
import { normalizeOptions } from '../normalize-options';
import { type RevocationClientOptions, VERSION } from '../options';
import type { RevocationOutcome, SignOutResult } from '../results';
import { assertKnownKeys, optionalBoolean, typeError } from '../validate';
import { type BatchCounts, countOutcome, endBatchSpan, runInSpan } from './batch-span';
import { type Instruments, instrumentsOf } from './instruments';
import { ATTRIBUTE, RETRY_EVENT, SCOPE, SPAN } from './names';
import { safely, startSpan } from './safely';
import { observeTokenCall } from './token-span';

/** Where the instrumented client sends its telemetry. */
export interface RevocationTelemetryOptions {
  /**
   * The tracer of every span.
   * @default the global tracer provider's tracer `digilocker-revocation`
   */
  tracer?: Tracer;
  /**
   * The meter of every metric.
   * @default the global meter provider's meter `digilocker-revocation`, looked up at each use
   */
  meter?: Meter;
  /**
   * A span per token inside `revokeMany` too. Set it to false for large batches: each token's duration
   * is still recorded, and its HTTP attempts and retry events go to the `digilocker.revoke_many` span.
   * @default true
   */
  batchTokenSpans?: boolean;
}

const TELEMETRY_OPTIONS: ReadonlySet<string> = new Set([
  'tracer',
  'meter',
  'batchTokenSpans',
] satisfies (keyof RevocationTelemetryOptions)[]);

/** Set in the context of a revokeMany whose tokens get no span of their own. */
const NO_TOKEN_SPANS = createContextKey('digilocker-revocation: no token spans');

/**
 * Creates a revocation client, as `createRevocationClient` does, that reports to OpenTelemetry:
 * - `revoke`: an INTERNAL span `digilocker.revoke` over all the token's attempts, whose children are
 *   the HTTP spans of `@opentelemetry/instrumentation-undici`, with a `digilocker.retry` event per retry;
 * - `signOut` and `revokeMany`: an INTERNAL span `digilocker.sign_out` / `digilocker.revoke_many`
 *   with the counts of their outcomes (the HTTP spans of their attempts are its children);
 * - metrics: `digilocker.revocation.duration` (seconds, by outcome, `error.type` and `server.address`)
 *   and `digilocker.revocation.retries` (by `error.type`).
 * Nothing reported carries a token, a secret or a token's fingerprint. `options.onEvent` still receives
 * every event. Without an OpenTelemetry SDK registered, every span and metric is a no-op. A tracer,
 * sampler, span processor or meter that throws changes no outcome: its error goes to OpenTelemetry's
 * `diag` logger.
 *
 * @throws {InputTypeError} or {InputRangeError} (`invalid_option`) for a bad option, as
 * `createRevocationClient` does, or a `telemetry.tracer` or `telemetry.meter` that is not one
 * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.1 | RFC 7009 §2.1}
 * @see docs/observability.md
 * @example
 * import { createInstrumentedRevocationClient } from 'digilocker-revocation/opentelemetry';
 * const client = createInstrumentedRevocationClient({ environment: 'production', credentials });
 * await client.revoke(refreshToken, { tokenTypeHint: 'refresh_token' }); // one span, its HTTP spans below
 */
export function createInstrumentedRevocationClient(
  options: RevocationClientOptions,
  telemetry: RevocationTelemetryOptions = {},
): RevocationClient {
  const url = new URL(normalizeOptions(options).baseUrl); // a bad option throws here, as in the core
  if (telemetry === null || typeof telemetry !== 'object') throw typeError('telemetry', 'must be an object');
  assertKnownKeys(telemetry, TELEMETRY_OPTIONS, 'telemetry.');
  if (telemetry.tracer !== undefined && typeof telemetry.tracer?.startSpan !== 'function') {
    throw typeError('telemetry.tracer', 'must be an OpenTelemetry Tracer (with startSpan)');
  }
  // Looked up at the first span, where a provider that throws is caught: see startSpan.
  let tracer = telemetry.tracer;
  const instruments = instrumentsOf(telemetry.meter, 'telemetry.meter');
  const batchTokenSpans = optionalBoolean('telemetry.batchTokenSpans', telemetry.batchTokenSpans ?? true);
  const scope: TelemetryScope = {
    tracer: () => {
      tracer ??= trace.getTracer(SCOPE, VERSION);
      return tracer;
    },
    instruments,
    server: {
      [ATTRIBUTE.serverAddress]: url.hostname,
      [ATTRIBUTE.serverPort]: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    },
  };
  const userOnEvent = options.onEvent;
  const onEvent = (event: RevocationEvent) => {
    if (event.type === 'retry') recordRetry(event, instruments);
    userOnEvent?.(event);
  };
  const userAroundCall = options.aroundCall;
  const aroundCall: RevocationClientOptions['aroundCall'] = (call, run) => {
    const inner = userAroundCall ? () => userAroundCall(call, run) : run;
    const withSpan = context.active().getValue(NO_TOKEN_SPANS) !== true;
    return observeTokenCall(scope, call.tokenTypeHint, inner, withSpan);
  };
  const client = createRevocationClient({ ...options, onEvent, aroundCall });

  return {
    raw: client.raw,
    revoke: client.revoke,
    signOut: (tokens, signOutOptions) => signOut(scope, client, tokens, signOutOptions),
    revokeMany: (tokens, batchOptions) => revokeMany(scope, client, tokens, batchOptions, batchTokenSpans),
  };
}

/** What the spans and metrics of one client share. */
export interface TelemetryScope {
  /** The tracer of every span, looked up at first use. */
  tracer: () => Tracer;
  instruments: () => Instruments;
  /** `server.address` and `server.port` of the client's base URL. */
  server: Attributes;
}

/**
 * A retry: an event on the active span (the token's, or the batch's) and the retries counter. The
 * core calls `onEvent` synchronously inside the call, so the active span is the call's own.
 */
function recordRetry(
  event: Extract<RevocationEvent, { type: 'retry' }>,
  instruments: () => Instruments,
): void {
  safely(() => instruments().retries.add(1, { [ATTRIBUTE.errorType]: event.reason }));
  safely(() =>
    trace.getActiveSpan()?.addEvent(RETRY_EVENT, {
      [ATTRIBUTE.retryAttempt]: event.attempt,
      [ATTRIBUTE.retryDelay]: event.delayMs / 1000,
      [ATTRIBUTE.retryReason]: event.reason,
    }),
  );
}

async function signOut(
  scope: TelemetryScope,
  client: RevocationClient,
  tokens: Parameters<RevocationClient['signOut']>[0],
  options: Parameters<RevocationClient['signOut']>[1],
): Promise<SignOutResult> {
  const span = startSpan(scope.tracer, SPAN.signOut, { attributes: scope.server });
  const counts: BatchCounts = { size: 0, revoked: 0, alreadyInvalid: 0, failed: 0 };
  try {
    const result = await runInSpan(span, () => client.signOut(tokens, options));
    for (const outcome of [result.refreshToken, result.accessToken]) {
      if (outcome) countOutcome(counts, outcome);
    }
    endBatchSpan(span, counts);
    return result;
  } catch (error) {
    endBatchSpan(span, counts, error);
    throw error;
  }
}

/** revokeMany in a span from its call to the end of its iteration; its calls start inside that span. */
function revokeMany(
  scope: TelemetryScope,
  client: RevocationClient,
  tokens: Iterable<TokenInput> | AsyncIterable<TokenInput>,
  options: RevocationBatchOptions | undefined,
  tokenSpans: boolean,
): AsyncIterable<RevocationOutcome> {
  const outcomes = client.revokeMany(tokens, options); // a bad argument throws here, before any span
  return {
    [Symbol.asyncIterator]() {
      const span = startSpan(scope.tracer, SPAN.revokeMany, { attributes: scope.server });
      const counts: BatchCounts = { size: 0, revoked: 0, alreadyInvalid: 0, failed: 0 };
      const iterator = outcomes[Symbol.asyncIterator]();
      let ended = false;
      const end = (error?: unknown) => {
        if (ended) return;
        ended = true;
        endBatchSpan(span, counts, error);
      };
      return {
        async next() {
          try {
            const step = await runInSpan(
              span,
              () => iterator.next(),
              tokenSpans ? undefined : NO_TOKEN_SPANS,
            );
            if (step.done) end();
            else countOutcome(counts, step.value);
            return step;
          } catch (error) {
            end(error);
            throw error;
          }
        },
        async return(value?: unknown) {
          try {
            return (await iterator.return?.(value)) ?? { done: true, value: undefined };
          } finally {
            end();
          }
        },
      };
    },
  };
}
