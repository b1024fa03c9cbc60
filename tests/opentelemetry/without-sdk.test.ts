// Without an SDK registered, the instrumented client behaves as the plain one: same results, the
// user's onEvent still called; its telemetry options are checked; a tracer given is the one used.

import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { RevocationEvent } from '../../src';
import { createInstrumentedRevocationClient, SPAN } from '../../src/opentelemetry';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';

let mock: MockDigiLocker;
beforeAll(async () => {
  mock = await startMockDigiLocker();
});
afterAll(() => mock.close());

const options = () => ({
  baseUrl: mock.baseUrl,
  credentials: { clientId: mock.clientId, clientSecret: mock.clientSecret },
  retry: { baseDelayMs: 1, maxDelayMs: 1 },
});

it('revokes and still calls the given onEvent, with no SDK registered', async () => {
  const events: RevocationEvent['type'][] = [];
  const client = createInstrumentedRevocationClient({
    ...options(),
    onEvent: (event) => events.push(event.type),
  });
  mock.inject({ type: 'status', status: 503 });
  await expect(client.revoke(mock.issueTokens().accessToken)).resolves.toMatchObject({ outcome: 'revoked' });
  expect(events).toEqual(['request', 'response', 'retry', 'request', 'response']);
});

it('refuses an unknown telemetry option and bad client options, as createRevocationClient does', () => {
  expect(() => createInstrumentedRevocationClient(options(), { traceer: {} } as never)).toThrow(
    'Unknown option "telemetry.traceer"',
  );
  expect(() => createInstrumentedRevocationClient({ ...options(), timeoutMs: -1 })).toThrow(RangeError);
});

it('uses the tracer it is given rather than the global one', async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const client = createInstrumentedRevocationClient(options(), { tracer: provider.getTracer('mine') });
  await client.revoke(mock.issueTokens().accessToken);
  expect(exporter.getFinishedSpans().map((span) => [span.name, span.instrumentationScope.name])).toEqual([
    [SPAN.revoke, 'mine'],
  ]);
});
