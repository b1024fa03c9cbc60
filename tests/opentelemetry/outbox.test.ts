// One sign-out followed from the web request that enqueued it to the revoke that ended it: pg-boss 12's
// own send and process spans (the outbox on the embedded store), the instrumented client's spans below
// the process span, the outbox's metrics from its events.
import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  ATTRIBUTE,
  createInstrumentedRevocationClient,
  METRIC,
  outboxEventRecorder,
  SPAN,
} from '../../src/opentelemetry';
import { openRevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { KEY, scratchDirectory } from '../outbox/support';
import { childrenOf, named, pointsOf, useTelemetry } from './support';

const telemetry = useTelemetry();
let mock: MockDigiLocker;
beforeAll(async () => {
  mock = await startMockDigiLocker();
});
afterAll(() => mock.close());

test('the trace goes from the enqueuing request through pg-boss send and process to the HTTP attempts', async () => {
  const scratch = scratchDirectory();
  const outbox = await openRevocationOutbox({
    client: createInstrumentedRevocationClient({
      baseUrl: mock.baseUrl,
      credentials: { clientId: mock.clientId, clientSecret: mock.clientSecret },
    }),
    store: { directory: scratch.path },
    encryptionKeys: [KEY],
    pollIntervalMs: 100,
    onEvent: outboxEventRecorder(),
  });
  try {
    const tokens = mock.issueTokens();
    await trace.getTracer('web').startActiveSpan('POST /logout', async (span) => {
      await outbox.enqueue(tokens);
      span.end();
    });
    expect(await outbox.drain()).toMatchObject({ revoked: 1 });
  } finally {
    await outbox.close();
    scratch.remove();
  }
  const spans = telemetry.spans();
  const request = named(spans, 'POST /logout')[0] as ReadableSpan;
  const traceId = request.spanContext().traceId;
  const inTrace = spans.filter((span) => span.spanContext().traceId === traceId);
  const send = inTrace.find((span) => span.kind === SpanKind.PRODUCER);
  expect(send?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  const processes = inTrace.filter((span) => span.kind === SpanKind.CONSUMER);
  expect(processes).toHaveLength(1);
  const process = processes[0] as ReadableSpan;
  expect(process.attributes).toMatchObject({
    'messaging.system': 'pg-boss',
    'messaging.operation.type': 'process',
    [ATTRIBUTE.outboxOutcome]: 'revoked',
  });
  // The worker signs out token by token, reading the cluster's pause before each request (send.ts):
  // a signOut span per token, refresh then access, each -> its token's span -> its HTTP attempts.
  const signOuts = childrenOf(spans, process)
    .filter((span) => span.name === SPAN.signOut)
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  expect(signOuts.map((span) => span.attributes['digilocker.batch.size'])).toEqual([1, 1]);
  const tokenSpans = signOuts.flatMap((signOut) =>
    childrenOf(spans, signOut).filter((span) => span.name === SPAN.revoke),
  );
  expect(tokenSpans).toHaveLength(2);
  const attempts = tokenSpans.flatMap((token) =>
    childrenOf(spans, token).filter((span) => span.name === 'POST'),
  );
  expect(attempts.map((span) => span.attributes['http.response.status_code'])).toEqual([200, 400]);
  const collected = await telemetry.collect();
  expect(pointsOf(collected, METRIC.jobsEnded)).toEqual([
    { attributes: { [ATTRIBUTE.outboxOutcome]: 'revoked' }, value: 1 },
  ]);
}, 60_000);
