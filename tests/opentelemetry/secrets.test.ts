// No secret in telemetry: against a server that echoes the token, the client secret, the Basic
// credentials and the bearer token back in every form, drive revoke, signOut and revokeMany through
// every client authentication and answer, then look for every encoding the secrets suite knows in every
// span (name, attributes, status, events, links, resource, scope, the undici HTTP spans included) and
// every metric data point.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RevocationClientOptions } from '../../src';
import { createInstrumentedRevocationClient } from '../../src/opentelemetry';
import { formEncode, leaksIn } from '../support/canaries';
import { useTelemetry } from './support';

const TOKEN = 'CANARY-TOKEN-7f3a9c';
const ACCESS = 'CANARY-ACCESS-2b81de';
const SECRET = 'CANARY-SECRET-91b2e';
const BEARER = 'CANARY-BEARER-55d1';
const CLIENT_ID = 'client-id-1';
const BASIC_VALUE = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');
const FORBIDDEN = [TOKEN, ACCESS, SECRET, BEARER, BASIC_VALUE];

const telemetry = useTelemetry();

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;
let answers: Handler[] = [];
const server = createServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => {
    body += chunk;
  });
  request.on('end', () => {
    if (request.url?.endsWith('/oauth2/1/token')) return issueBearer(response);
    (answers.shift() ?? ok)(request, response, body);
  });
});
let baseUrl = '';

/** Everything the request carried, raw and decoded, and every secret in the forms a server might echo. */
function echo(request: IncomingMessage, body: string): string {
  const authorization = request.headers.authorization ?? '';
  const decoded = Buffer.from(authorization.replace(/^\w+ /, ''), 'base64').toString('utf8');
  return [
    `body=${body}`,
    `authorization=${authorization}`,
    `decoded=${decoded}`,
    `${TOKEN} ${formEncode(TOKEN)} ${ACCESS} ${SECRET} ${BEARER} ${BASIC_VALUE}`,
  ].join(' | ');
}

const ok: Handler = (_request, response) => response.end();
const json =
  (status: number, error: string, headers: Record<string, string> = {}): Handler =>
  (request, response, body) => {
    response.writeHead(status, { 'Content-Type': 'application/json', 'X-Echo': 'x', ...headers });
    response.end(JSON.stringify({ error, error_description: echo(request, body) }));
  };
const html: Handler = (request, response, body) => {
  response.writeHead(502, { 'Content-Type': 'text/html' });
  response.end(`<html>${echo(request, body)}</html>`);
};
const drop: Handler = (request) => request.socket.destroy();
function issueBearer(response: ServerResponse) {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ access_token: BEARER, token_type: 'Bearer', expires_in: 3600 }));
}

beforeAll(async () => {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/public`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const AUTHENTICATIONS: [string, Partial<RevocationClientOptions>][] = [
  ['client_secret_basic', { credentials: { clientId: CLIENT_ID, clientSecret: SECRET } }],
  [
    'client_secret_post',
    {
      credentials: { clientId: CLIENT_ID, clientSecret: SECRET },
      clientAuthentication: 'client_secret_post',
    },
  ],
  ['a bearer string', { accessToken: BEARER }],
];

/** Each run's answers: success after retries, refusals that echo every secret, a dropped connection. */
const SCENARIOS: [string, () => Handler[]][] = [
  [
    'a 503, a 429 then a 200',
    () => [json(503, 'server_error'), json(429, 'slow_down', { 'Retry-After': '0' })],
  ],
  ['400 invalid_token', () => [json(400, 'invalid_token'), json(400, 'invalid_token')]],
  [
    '401 invalid_client',
    () => [json(401, 'invalid_client'), json(401, 'invalid_client'), json(401, 'invalid_client')],
  ],
  ['400 invalid_request', () => [json(400, 'invalid_request'), json(400, 'invalid_request')]],
  ['an HTML 502, then a dropped connection', () => [html, drop, drop, html, drop, drop]],
];

/** Every text telemetry holds: each span and each metric data point, as JSON. */
async function everythingReported(): Promise<string[]> {
  const spans = telemetry.spans().map((span) =>
    JSON.stringify({
      name: span.name,
      attributes: span.attributes,
      status: span.status,
      events: span.events,
      links: span.links,
      resource: span.resource.attributes,
      scope: span.instrumentationScope,
    }),
  );
  const metrics = (await telemetry.collect()).flatMap((resource) =>
    resource.scopeMetrics.flatMap((scope) =>
      scope.metrics.map((metric) => JSON.stringify({ scope: scope.scope, metric })),
    ),
  );
  expect(spans.length).toBeGreaterThan(0);
  expect(metrics.length).toBeGreaterThan(0);
  return [...spans, ...metrics];
}

describe.each(AUTHENTICATIONS)('with %s', (_name, authentication) => {
  const client = () =>
    createInstrumentedRevocationClient({
      baseUrl,
      ...authentication,
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
      onEvent: () => {},
    });

  it.each(SCENARIOS)('no secret in any span or metric: %s', async (_scenario, scenario) => {
    answers = scenario();
    await client()
      .revoke(TOKEN, { tokenTypeHint: 'refresh_token' })
      .catch(() => {});
    answers = scenario();
    await client().signOut({ refreshToken: TOKEN, accessToken: ACCESS });
    answers = scenario();
    for await (const _outcome of client().revokeMany([TOKEN, { token: ACCESS, id: 'a' }, `${TOKEN} x`])) {
      // drained
    }
    expect(leaksIn(await everythingReported(), FORBIDDEN)).toEqual([]);
  });
});

it('finds a canary planted in a span attribute (the check can fail)', async () => {
  const { trace } = await import('@opentelemetry/api');
  trace
    .getTracer('planted')
    .startSpan('planted', { attributes: { leaked: formEncode(SECRET) } })
    .end();
  expect(leaksIn(await everythingReported(), FORBIDDEN)).not.toEqual([]);
});
