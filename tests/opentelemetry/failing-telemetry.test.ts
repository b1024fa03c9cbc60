// Telemetry is never a call's outcome: a tracer, sampler, span processor or meter that throws (a
// buggy custom processor, an exporter that fails synchronously) changes nothing of a revocation,
// against a real mock DigiLocker on 127.0.0.1. And the instrumented client checks its options first.

import { context, DiagLogLevel, diag, type Meter, metrics, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { createRevocationClient } from '../../src/index';
import {
  createInstrumentedRevocationClient,
  flushTelemetry,
  outboxEventRecorder,
  traceCommand,
} from '../../src/opentelemetry';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';

let mock: MockDigiLocker;
beforeAll(async () => {
  mock = await startMockDigiLocker();
});
afterAll(() => mock.close());

const broken = () => {
  throw new Error('telemetry is down');
};

/** A span processor whose onEnd throws, in the real SDK. */
const throwingProcessor: SpanProcessor = {
  onStart() {},
  onEnd: broken,
  forceFlush: async () => {},
  shutdown: async () => {},
};

const failingTracers: [string, () => Tracer][] = [
  [
    'a tracer whose startSpan throws',
    () => ({ startSpan: broken, startActiveSpan: broken }) as unknown as Tracer,
  ],
  ['a sampler that throws', () => new TracerProvider({ sampler: { shouldSample: broken } }).getTracer('t')],
  [
    'a span processor whose onEnd throws',
    () => new TracerProvider({ spanProcessors: [throwingProcessor] }).getTracer('t'),
  ],
];

/** A meter whose instruments throw on every record and add. */
const failingMeter = {
  createHistogram: () => ({ record: broken }),
  createCounter: () => ({ add: broken }),
} as unknown as Meter;

function client(telemetry: Parameters<typeof createInstrumentedRevocationClient>[1], onEvent?: () => void) {
  return createInstrumentedRevocationClient(
    {
      baseUrl: mock.baseUrl,
      credentials: { clientId: mock.clientId, clientSecret: mock.clientSecret },
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
      ...(onEvent ? { onEvent } : {}),
    },
    telemetry,
  );
}

describe.each(failingTracers)('with %s', (_name, tracer) => {
  it('revoke still sends the request and resolves with its outcome', async () => {
    const { refreshToken } = mock.issueTokens();
    const result = await client({ tracer: tracer() }).revoke(refreshToken, {
      tokenTypeHint: 'refresh_token',
    });
    expect(result).toMatchObject({ outcome: 'revoked', confirmed: true });
    expect(mock.isActive(refreshToken)).toBe(false);
  });

  it('signOut revokes both tokens', async () => {
    const tokens = mock.issueTokens();
    const result = await client({ tracer: tracer() }).signOut(tokens);
    expect(result.complete).toBe(true);
    expect(mock.isActive(tokens.refreshToken) || mock.isActive(tokens.accessToken)).toBe(false);
  });

  it('revokeMany reports every token', async () => {
    const tokens = [mock.issueTokens().refreshToken, mock.issueTokens().refreshToken];
    const outcomes = [];
    for await (const outcome of client({ tracer: tracer() }).revokeMany(tokens)) outcomes.push(outcome.ok);
    expect(outcomes).toEqual([true, true]);
  });

  it('traceCommand runs the command and returns its exit code', async () => {
    let ran = false;
    const code = await traceCommand(
      'revoke',
      async (span) => {
        span.setAttribute('digilocker.revoked', 1);
        ran = true;
        return 3;
      },
      tracer(),
    );
    expect([ran, code]).toEqual([true, 3]);
  });
});

describe('with a meter whose instruments throw', () => {
  it('revoke resolves, and the caller onEvent still gets every retry', async () => {
    const { refreshToken } = mock.issueTokens();
    mock.inject({ type: 'status', status: 503 });
    const events: string[] = [];
    const onEvent = (event?: { type: string }) => {
      if (event) events.push(event.type);
    };
    const result = await client({ meter: failingMeter }, onEvent as () => void).revoke(refreshToken);
    expect(result).toMatchObject({ outcome: 'revoked', attempts: 2 });
    expect(events.filter((type) => type === 'retry')).toHaveLength(1);
  });

  it('whose creation throws: the client is created, and revoke resolves', async () => {
    const meter = { createHistogram: broken, createCounter: broken } as unknown as Meter;
    const { refreshToken } = mock.issueTokens();
    await expect(client({ meter }).revoke(refreshToken)).resolves.toMatchObject({ outcome: 'revoked' });
  });

  it('the span keeps its retry event when the retries counter throws', async () => {
    // The retry event goes on the active span: a context manager carries it, as in an application.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      const exporter = new InMemorySpanExporter();
      const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
      const { refreshToken } = mock.issueTokens();
      mock.inject({ type: 'status', status: 503 });
      await client({ tracer: provider.getTracer('t'), meter: failingMeter }).revoke(refreshToken);
      const [span] = exporter.getFinishedSpans();
      expect(span?.events.map((event) => event.name)).toEqual(['digilocker.retry']);
    } finally {
      context.disable();
    }
  });

  it("the outbox's recorder does not throw", () => {
    const record = outboxEventRecorder({ meter: failingMeter });
    expect(() =>
      record({ type: 'paused', reason: 'rate_limited' } as Parameters<typeof record>[0]),
    ).not.toThrow();
  });
});

describe('with a global tracer provider whose getTracer throws', () => {
  beforeEach(() => {
    trace.setGlobalTracerProvider({ getTracer: broken } as never);
  });
  afterEach(() => trace.disable());

  it('the client is created, and revoke and signOut still revoke', async () => {
    const tokens = mock.issueTokens();
    const instrumented = client({});
    await expect(instrumented.revoke(tokens.refreshToken)).resolves.toMatchObject({ outcome: 'revoked' });
    await expect(instrumented.signOut(tokens)).resolves.toMatchObject({ complete: true });
    expect(mock.isActive(tokens.accessToken)).toBe(false);
  });

  it('traceCommand runs the command', async () => {
    await expect(traceCommand('revoke', async () => 0)).resolves.toBe(0);
  });
});

describe('with a diagnostic logger that throws too', () => {
  afterEach(() => diag.disable());

  it('signOut still revokes both tokens', async () => {
    // Only error throws: the API itself logs at debug level as loggers are set and removed.
    const quiet = () => {};
    diag.setLogger(
      { error: broken, warn: quiet, info: quiet, debug: quiet, verbose: quiet },
      DiagLogLevel.ALL,
    );
    const tokens = mock.issueTokens();
    const tracer = new TracerProvider({ spanProcessors: [throwingProcessor] }).getTracer('t');
    await expect(client({ tracer }).signOut(tokens)).resolves.toMatchObject({ complete: true });
  });
});

describe('flushTelemetry', () => {
  it.each([
    [
      'tracer',
      () =>
        trace.setGlobalTracerProvider({
          getTracer: () => trace.getTracer('noop'),
          forceFlush: broken,
        } as never),
    ],
    [
      'meter',
      () =>
        metrics.setGlobalMeterProvider({
          getMeter: () => metrics.getMeter('noop'),
          forceFlush: broken,
        } as never),
    ],
  ])('resolves when the %s provider throws at once', async (_name, register) => {
    register();
    try {
      await expect(flushTelemetry(1_000)).resolves.toBeUndefined();
    } finally {
      trace.disable();
      metrics.disable();
    }
  });
});

describe('options', () => {
  it('are checked as createRevocationClient checks them, before the telemetry', () => {
    for (const options of [null, 'x', {}]) {
      const core = captured(() => createRevocationClient(options as never));
      const instrumented = captured(() =>
        createInstrumentedRevocationClient(options as never, { tracer: {} as never }),
      );
      expect(instrumented).toEqual(core);
    }
  });

  it.each([
    ['tracer', { tracer: {} }, 'telemetry.tracer must be an OpenTelemetry Tracer (with startSpan)'],
    [
      'meter',
      { meter: 'x' },
      'telemetry.meter must be an OpenTelemetry Meter (with createHistogram and createCounter)',
    ],
  ])('refuse a %s that is not one, at creation', (_name, telemetry, message) => {
    expect(() => client(telemetry as never)).toThrow(
      expect.objectContaining({ code: 'invalid_option', message }),
    );
  });

  it("refuse the outbox recorder's meter that is not one", () => {
    expect(() => outboxEventRecorder({ meter: {} as never })).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
  });
});

function captured(create: () => unknown): { name: string; message: string } | undefined {
  try {
    create();
    return undefined;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
}
