import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ENVIRONMENTS } from '../defaults';
import { assertOptions, assertPlainCredential, integerInRange, oneOf } from '../validate';
import { REVOKE_PATH, TOKEN_PATH } from '../wire';
import { FaultQueue, type MockFault } from './faults';
import { readBody, sendError } from './http';
import type { MockState } from './mock-state';
import { createBodyValidators } from './request-validation';
import { handleRevoke } from './revoke-endpoint';
import { handleToken } from './token-endpoint';
import { newToken, TokenStore } from './token-store';

/** Options of {@link startMockDigiLocker}. */
export interface MockDigiLockerOptions {
  /**
   * The port to listen on (127.0.0.1 only).
   * @default 0 (a free port)
   */
  port?: number;
  /**
   * The registered client's id.
   * @default 'mock-client-id'
   */
  clientId?: string;
  /**
   * The registered client's secret (a test value, never a real one).
   * @default a random value per server
   */
  clientSecret?: string;
  /**
   * Lifetime of the bearer tokens issued by the token endpoint, in seconds (1 to a year).
   * @default 3600
   */
  accessTokenLifetimeSeconds?: number;
  /**
   * The body of a successful revocation (deployments answer all three).
   * @default ''
   */
  successBody?: '' | '{}' | '{"revoked":true}';
}

/** Counts of what the mock has seen since it started. */
export interface MockDigiLockerStats {
  /** Every HTTP request, whatever its path. */
  requests: number;
  /** Requests to the revoke endpoint. */
  revokeRequests: number;
  /** Requests to the token endpoint. */
  tokenRequests: number;
  /** Revocations of an active token (200). */
  revoked: number;
  /** Answers 400 invalid_token. */
  invalidToken: number;
  /** Answers 401 invalid_client. */
  invalidClient: number;
  /** Answers 400 to off-spec requests on either endpoint (invalid_request, unsupported_grant_type), and 405. */
  invalidRequest: number;
  /** Requests that met an injected fault. */
  faults: number;
}

/** A running mock DigiLocker; see {@link startMockDigiLocker}. */
export interface MockDigiLocker {
  /** e.g. `http://127.0.0.1:43121/public`. */
  readonly baseUrl: string;
  /** The registered client's id. */
  readonly clientId: string;
  /** The registered client's secret (a test value). */
  readonly clientSecret: string;
  /** What the mock has seen so far (a live object). */
  readonly stats: MockDigiLockerStats;
  /** Issues an access and a refresh token for a new grant (or for the named one). */
  issueTokens(options?: { grant?: string }): { accessToken: string; refreshToken: string };
  /** True while the token was issued and not revoked. */
  isActive(token: string): boolean;
  /**
   * How many revoke requests named this token: every one that arrived, whatever its answer, including
   * those met by an injected fault or refused for bad client authentication.
   */
  revokeRequestsFor(token: string): number;
  /** Applies `fault` to the next `times` revoke requests (default 1), after the faults already queued. */
  inject(fault: MockFault, options?: { times?: number }): void;
  /** Forgets every queued fault. */
  clearFaults(): void;
  /** Stops the server and closes every connection, idle or not. */
  close(): Promise<void>;
}

/** The path every deployment's base URL ends with, which the mock serves too. */
const PREFIX = new URL(ENVIRONMENTS.sandbox).pathname;

/**
 * Starts a DigiLocker look-alike on 127.0.0.1 for tests: `POST /public/oauth2/1/revoke` (form or JSON
 * body; client_secret_basic, client_secret_post or a Bearer token) and `POST /public/oauth2/1/token`
 * (client-credentials grant). It validates each revoke and token request against the OpenAPI document,
 * answers as DigiLocker documents it and, where DigiLocker's behaviour is unknown, as OAuth 2.0
 * (RFC 6749, RFC 7009) says a server should, and can inject faults.
 *
 * @throws {InputTypeError} or {InputRangeError} (`invalid_option`) for an unknown or bad option, and
 * from `inject()` for a fault it could not apply; the promise rejects with the listen error
 * (`EADDRINUSE`) when the port is taken
 * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.1 | RFC 7009 §2.1}, the requests it accepts
 * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.2 | RFC 7009 §2.2}, the answers it gives
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 | RFC 6749 §2.3.1}, the client authentication it checks
 * @example
 * const digilocker = await startMockDigiLocker();
 * const client = createRevocationClient({
 *   baseUrl: digilocker.baseUrl,
 *   credentials: { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret },
 * });
 * const { accessToken } = digilocker.issueTokens();
 * await client.revoke(accessToken);
 * digilocker.isActive(accessToken); // false
 * digilocker.inject({ type: 'status', status: 503 }, { times: 2 }); // the next two revokes get a 503
 * await digilocker.close();
 */
export async function startMockDigiLocker(options: MockDigiLockerOptions = {}): Promise<MockDigiLocker> {
  assertMockOptions(options);
  const state = initialState(options);
  const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    state.stats.requests++;
    readBody(request, (body) => {
      if (body === undefined) {
        // The rest of the body is never read: answer, then close the connection.
        response.shouldKeepAlive = false;
        response.once('finish', () => request.destroy());
        return sendError(response, 413, 'invalid_request', 'The body is too large');
      }
      // An endpoint URL may carry a query (RFC 6749 section 3.1): route on the path alone.
      const path = (request.url ?? '').split('?', 1)[0];
      if (path === PREFIX + REVOKE_PATH) return handleRevoke(state, request, response, body);
      if (path === PREFIX + TOKEN_PATH) return handleToken(state, request, response, body);
      sendError(response, 404, 'not_found', 'No such endpoint');
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const { store, faults, client, stats } = state;
  return {
    baseUrl: `http://127.0.0.1:${port}${PREFIX}`,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    stats,
    issueTokens: ({ grant } = {}) => store.issue(grant),
    isActive: (token) => store.isActive(token),
    revokeRequestsFor: (token) => state.requestsPerToken.get(token) ?? 0,
    inject: (fault, { times = 1 } = {}) => faults.add(fault, times),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of state.pendingTimers) clearTimeout(timer);
        state.pendingTimers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

const OPTIONS = new Set(['port', 'clientId', 'clientSecret', 'accessTokenLifetimeSeconds', 'successBody']);

/** Refuses what the mock could not serve as documented, as the client refuses its bad options. */
function assertMockOptions(options: unknown): asserts options is MockDigiLockerOptions {
  assertOptions('startMockDigiLocker(options)', options, OPTIONS);
  const { port, clientId, clientSecret, accessTokenLifetimeSeconds, successBody } =
    options as MockDigiLockerOptions;
  if (port !== undefined) integerInRange('port', port, 0, 65_535);
  if (clientId !== undefined) assertPlainCredential('clientId', clientId);
  if (clientSecret !== undefined) assertPlainCredential('clientSecret', clientSecret);
  if (accessTokenLifetimeSeconds !== undefined)
    integerInRange('accessTokenLifetimeSeconds', accessTokenLifetimeSeconds, 1, 31_536_000);
  oneOf('successBody', successBody, ['', '{}', '{"revoked":true}'], '');
}

/** A new mock's state: its registered client, no token, no fault, counts at zero. */
function initialState(options: MockDigiLockerOptions): MockState {
  return {
    client: {
      clientId: options.clientId ?? 'mock-client-id',
      clientSecret: options.clientSecret ?? `mock-secret-${newToken().slice(0, 16)}`,
    },
    lifetimeMs: (options.accessTokenLifetimeSeconds ?? 3600) * 1000,
    successBody: options.successBody ?? '',
    store: new TokenStore(),
    faults: new FaultQueue(),
    validators: createBodyValidators(),
    bearerTokens: new Map(),
    requestsPerToken: new Map(),
    pendingTimers: new Set(),
    stats: {
      requests: 0,
      revokeRequests: 0,
      tokenRequests: 0,
      revoked: 0,
      invalidToken: 0,
      invalidClient: 0,
      invalidRequest: 0,
      faults: 0,
    },
  };
}
