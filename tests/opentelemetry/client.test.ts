// digilocker-revocation/opentelemetry over a real mock DigiLocker on 127.0.0.1, with an in-memory SDK
// and the undici instrumentation: one span per token over its attempts, the HTTP attempts its
// children, a span event per retry; parent spans for signOut and revokeMany; the metrics.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { createNodeFetch } from '../../src/node';
import { ATTRIBUTE, createInstrumentedRevocationClient, METRIC, SPAN } from '../../src/opentelemetry';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { childrenOf, named, pointsOf, useTelemetry } from './support';

const telemetry = useTelemetry();
let mock: MockDigiLocker;
const nodeFetch = createNodeFetch();

beforeAll(async () => {
  mock = await startMockDigiLocker();
});
afterAll(async () => {
  await nodeFetch.close();
  await mock.close();
});

function client(overrides: { fetch?: typeof fetch; clientSecret?: string } = {}) {
  return createInstrumentedRevocationClient({
    baseUrl: mock.baseUrl,
    credentials: { clientId: mock.clientId, clientSecret: overrides.clientSecret ?? mock.clientSecret },
    retry: { baseDelayMs: 1, maxDelayMs: 1 },
    ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
  });
}

function only(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = named(spans, name);
  expect(found).toHaveLength(1);
  return found[0] as ReadableSpan;
}

const port = () => Number(new URL(mock.baseUrl).port);

describe.each([
  ['global fetch', undefined],
  ['createNodeFetch', nodeFetch as typeof fetch],
])('revoke over %s', (_name, fetchImplementation) => {
  it('makes one span over both attempts of a 503 then a 200, the HTTP attempts its children', async () => {
    const { refreshToken } = mock.issueTokens();
    mock.inject({ type: 'status', status: 503 });
    const result = await client({ fetch: fetchImplementation }).revoke(refreshToken, {
      tokenTypeHint: 'refresh_token',
    });
    expect(result).toMatchObject({ outcome: 'revoked', attempts: 2 });
    const spans = telemetry.spans();
    const span = only(spans, SPAN.revoke);
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.attributes).toEqual({
      'server.address': '127.0.0.1',
      'server.port': port(),
      [ATTRIBUTE.tokenTypeHint]: 'refresh_token',
      [ATTRIBUTE.outcome]: 'revoked',
      [ATTRIBUTE.attempts]: 2,
      [ATTRIBUTE.confirmed]: true,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        'digilocker.retry',
        {
          [ATTRIBUTE.retryAttempt]: 1,
          [ATTRIBUTE.retryDelay]: expect.any(Number),
          [ATTRIBUTE.retryReason]: 'server_error',
        },
      ],
    ]);
    const attempts = childrenOf(spans, span);
    expect(
      attempts.map((attempt) => [attempt.kind, attempt.attributes['http.response.status_code']]),
    ).toEqual([
      [SpanKind.CLIENT, 503],
      [SpanKind.CLIENT, 200],
    ]);
  });
});

describe('revoke', () => {
  it('marks a refused call as an error with its code, on the span and the duration metric', async () => {
    const before = await telemetry.collect();
    const failuresBefore = errorCount(before, 'invalid_client');
    await expect(client({ clientSecret: 'not-the-secret' }).revoke('some-token')).rejects.toMatchObject({
      code: 'invalid_client',
    });
    const span = only(telemetry.spans(), SPAN.revoke);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'invalid_client' });
    expect(span.attributes).toMatchObject({
      [ATTRIBUTE.outcome]: 'error',
      'error.type': 'invalid_client',
      [ATTRIBUTE.attempts]: 1,
    });
    expect(errorCount(await telemetry.collect(), 'invalid_client')).toBe(failuresBefore + 1);
  });

  it('records durations in seconds by outcome, and retries by reason, with no token-level attribute', async () => {
    const { accessToken } = mock.issueTokens();
    mock.inject({ type: 'status', status: 429, retryAfter: 0 });
    await client().revoke(accessToken);
    const collected = await telemetry.collect();
    const durations = pointsOf(collected, METRIC.duration);
    const revoked = durations.find((point) => point.attributes[ATTRIBUTE.outcome] === 'revoked');
    expect(revoked?.attributes).toEqual({ 'server.address': '127.0.0.1', [ATTRIBUTE.outcome]: 'revoked' });
    expect(revoked?.value).toMatchObject({ count: expect.any(Number), sum: expect.any(Number) });
    const histogram = revoked?.value as { sum: number; count: number };
    expect(histogram.sum / histogram.count).toBeLessThan(5); // seconds, not milliseconds
    const retries = pointsOf(collected, METRIC.retries);
    expect(retries).toContainEqual({ attributes: { 'error.type': 'rate_limited' }, value: 1 });
    const descriptor = collected[0]?.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((metric) => metric.descriptor.name === METRIC.duration)?.descriptor;
    expect(descriptor?.unit).toBe('s');
    // The HTTP duration comes from the undici instrumentation alone: this entry does not emit it.
    const ours = collected[0]?.scopeMetrics.find((scope) => scope.scope.name === 'digilocker-revocation');
    expect(ours?.metrics.map((metric) => metric.descriptor.name).sort()).toEqual(
      [METRIC.duration, METRIC.retries].sort(),
    );
  });
});

describe('signOut', () => {
  it('makes a parent span with the counts of its outcomes, a span per token below it', async () => {
    const tokens = mock.issueTokens();
    mock.inject({ type: 'status', status: 500 });
    const result = await client().signOut(tokens);
    expect(result.complete).toBe(true);
    const spans = telemetry.spans();
    const span = only(spans, SPAN.signOut);
    expect(span.attributes).toEqual({
      'server.address': '127.0.0.1',
      'server.port': port(),
      [ATTRIBUTE.batchSize]: 2,
      // The mock, as DigiLocker does, invalidates the grant's access token with its refresh token.
      [ATTRIBUTE.batchRevoked]: 1,
      [ATTRIBUTE.batchAlreadyInvalid]: 1,
      [ATTRIBUTE.batchFailed]: 0,
    });
    const perToken = childrenOf(spans, span);
    expect(
      perToken.map((token) => [
        token.name,
        token.attributes[ATTRIBUTE.tokenTypeHint],
        token.attributes[ATTRIBUTE.outcome],
      ]),
    ).toEqual([
      [SPAN.revoke, 'refresh_token', 'revoked'],
      [SPAN.revoke, 'access_token', 'already_invalid'],
    ]);
    const [refresh, access] = perToken as [ReadableSpan, ReadableSpan];
    expect(refresh.events.map((event) => event.attributes?.[ATTRIBUTE.retryReason])).toEqual([
      'server_error',
    ]);
    expect(childrenOf(spans, refresh).map((child) => child.attributes['http.response.status_code'])).toEqual([
      500, 200,
    ]);
    expect(childrenOf(spans, access).map((child) => child.attributes['http.response.status_code'])).toEqual([
      400,
    ]);
  });
});

describe('revokeMany', () => {
  it('makes a parent span over the iteration, counting outcomes, a span per token below it', async () => {
    const active = mock.issueTokens().accessToken;
    const outcomes = [];
    for await (const outcome of client().revokeMany([active, 'unknown-token', ''], { concurrency: 2 })) {
      outcomes.push(outcome);
    }
    expect(outcomes).toHaveLength(3);
    const spans = telemetry.spans();
    const span = only(spans, SPAN.revokeMany);
    expect(span.attributes).toMatchObject({
      [ATTRIBUTE.batchSize]: 3,
      [ATTRIBUTE.batchRevoked]: 1,
      [ATTRIBUTE.batchAlreadyInvalid]: 0,
      [ATTRIBUTE.batchFailed]: 2,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // The empty token fails validation: no call, no span of its own.
    const perToken = childrenOf(spans, span);
    expect(perToken.map((token) => token.attributes[ATTRIBUTE.outcome]).sort()).toEqual(['error', 'revoked']);
    for (const token of perToken) expect(childrenOf(spans, token)).toHaveLength(1);
  });

  it('leaves out the per-token spans with batchTokenSpans: false, still recording each duration', async () => {
    const count = async () =>
      (pointsOf(await telemetry.collect(), METRIC.duration) as { value: { count: number } }[]).reduce(
        (sum, point) => sum + point.value.count,
        0,
      );
    const before = await count();
    const quiet = createInstrumentedRevocationClient(
      { baseUrl: mock.baseUrl, credentials: { clientId: mock.clientId, clientSecret: mock.clientSecret } },
      { batchTokenSpans: false },
    );
    const tokens = [mock.issueTokens().accessToken, mock.issueTokens().accessToken];
    for await (const _outcome of quiet.revokeMany(tokens)) {
      // drained
    }
    const spans = telemetry.spans();
    const span = only(spans, SPAN.revokeMany);
    expect(named(spans, SPAN.revoke)).toEqual([]);
    expect(childrenOf(spans, span).map((child) => child.name)).toEqual(['POST', 'POST']);
    expect(await count()).toBe(before + 2);
    await quiet.revoke(mock.issueTokens().accessToken);
    expect(named(telemetry.spans(), SPAN.revoke)).toHaveLength(1);
  });

  it('ends its span when the caller stops iterating early', async () => {
    const tokens = [mock.issueTokens().accessToken, mock.issueTokens().accessToken];
    for await (const _outcome of client().revokeMany(tokens, { concurrency: 1 })) break;
    expect(only(telemetry.spans(), SPAN.revokeMany).attributes[ATTRIBUTE.batchSize]).toBe(1);
  });

  it('throws a bad argument at once, before any span', () => {
    expect(() => client().revokeMany('not-an-iterable' as never)).toThrow(TypeError);
    expect(telemetry.spans()).toEqual([]);
  });
});

function errorCount(collected: Awaited<ReturnType<typeof telemetry.collect>>, code: string): number {
  const point = pointsOf(collected, METRIC.duration).find((entry) => entry.attributes['error.type'] === code);
  return (point?.value as { count: number } | undefined)?.count ?? 0;
}
