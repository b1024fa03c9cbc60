// The outbox's metrics from its events, on pg-boss's process span when one is active; the CLI's
// command span as the parent of its revocations.
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTRIBUTE,
  createInstrumentedRevocationClient,
  METRIC,
  outboxEventRecorder,
  SPAN,
  traceCommand,
} from '../../src/opentelemetry';
import type { OutboxEvent } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { childrenOf, named, pointsOf, useTelemetry } from './support';

const telemetry = useTelemetry();
const job = { jobId: '17', fingerprints: { refreshToken: 'abcdef012345' }, ref: 'user-42' };

describe('outboxEventRecorder', () => {
  it('counts jobs ended by outcome and error.type, and pauses by reason; nothing per job', async () => {
    const record = outboxEventRecorder();
    const events: OutboxEvent[] = [
      { type: 'queued', expiresAt: '2030-01-01T00:00:00Z', ...job },
      { type: 'attempt', attempt: 1, ...job },
      { type: 'revoked', attempt: 1, outcome: 'revoked', confirmed: true, ...job },
      { type: 'revoked', attempt: 2, outcome: 'already_invalid', confirmed: true, ...job },
      { type: 'retry_scheduled', attempt: 1, code: 'server_error', ...job } as OutboxEvent,
      { type: 'dead', attempt: 1, code: 'unauthorized_client', ...job },
      { type: 'expired', ...job },
      { type: 'paused', reason: 'rate_limited', delayMs: 1000 },
      { type: 'paused', reason: 'invalid_client' },
      { type: 'error', message: 'connection lost' },
    ];
    for (const event of events) record(event);
    const collected = await telemetry.collect();
    expect(pointsOf(collected, METRIC.jobsEnded)).toEqual(
      expect.arrayContaining([
        { attributes: { [ATTRIBUTE.outboxOutcome]: 'revoked' }, value: 1 },
        { attributes: { [ATTRIBUTE.outboxOutcome]: 'already_invalid' }, value: 1 },
        {
          attributes: { [ATTRIBUTE.outboxOutcome]: 'retry_scheduled', 'error.type': 'server_error' },
          value: 1,
        },
        { attributes: { [ATTRIBUTE.outboxOutcome]: 'dead', 'error.type': 'unauthorized_client' }, value: 1 },
        { attributes: { [ATTRIBUTE.outboxOutcome]: 'expired' }, value: 1 },
      ]),
    );
    expect(pointsOf(collected, METRIC.jobsEnded)).toHaveLength(5);
    expect(pointsOf(collected, METRIC.pauses)).toEqual([
      { attributes: { [ATTRIBUTE.pauseReason]: 'rate_limited' }, value: 1 },
      { attributes: { [ATTRIBUTE.pauseReason]: 'invalid_client' }, value: 1 },
    ]);
  });

  it("puts a job's end on the active span (pg-boss's process span, in a worker)", () => {
    const record = outboxEventRecorder();
    trace.getTracer('pg-boss').startActiveSpan('process revocations', (span) => {
      record({ type: 'dead', attempt: 3, code: 'invalid_token', ...job });
      span.end();
    });
    expect(named(telemetry.spans(), 'process revocations')[0]?.attributes).toEqual({
      [ATTRIBUTE.outboxOutcome]: 'dead',
      'error.type': 'invalid_token',
    });
  });
});

describe('traceCommand', () => {
  let mock: MockDigiLocker;
  beforeAll(async () => {
    mock = await startMockDigiLocker();
  });
  afterAll(() => mock.close());

  it("makes the command's span the parent of its revocations, with its exit code", async () => {
    const client = createInstrumentedRevocationClient({
      baseUrl: mock.baseUrl,
      credentials: { clientId: mock.clientId, clientSecret: mock.clientSecret },
    });
    const exitCode = await traceCommand('revoke', async (span) => {
      await client.revoke(mock.issueTokens().accessToken);
      await client.revoke('not-a-token').catch(() => {});
      span.setAttribute(ATTRIBUTE.batchFailed, 1);
      return 3;
    });
    expect(exitCode).toBe(3);
    const spans = telemetry.spans();
    const command = named(spans, 'digilocker-revoke revoke')[0];
    expect(command?.attributes).toEqual({ 'process.exit.code': 3, [ATTRIBUTE.batchFailed]: 1 });
    expect(command?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'exit code 3' });
    expect(command && childrenOf(spans, command).map((span) => span.name)).toEqual([
      SPAN.revoke,
      SPAN.revoke,
    ]);
  });

  it('records a command that throws, and rethrows', async () => {
    await expect(
      traceCommand('outbox drain', async () => {
        throw new RangeError('bad --concurrency');
      }),
    ).rejects.toThrow(RangeError);
    const command = named(telemetry.spans(), 'digilocker-revoke outbox drain')[0];
    expect(command?.attributes).toEqual({ 'error.type': 'RangeError' });
    expect(command?.status.code).toBe(SpanStatusCode.ERROR);
  });
});
