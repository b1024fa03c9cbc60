import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TokenResponseBody } from '../wire';
import { authenticateClient, type RegisteredClient } from './client-authentication';
import { FaultQueue, type MockFault } from './faults';
import { createBodyValidators, describeValidationErrors } from './request-validation';
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
   * Lifetime of the bearer tokens issued by the token endpoint, in seconds.
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

const PREFIX = '/public';
const REVOKE_PATH = `${PREFIX}/oauth2/1/revoke`;
const TOKEN_PATH = `${PREFIX}/oauth2/1/token`;
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Starts a DigiLocker look-alike on 127.0.0.1 for tests: `POST /public/oauth2/1/revoke` (form or JSON
 * body; client_secret_basic, client_secret_post or a Bearer token) and `POST /public/oauth2/1/token`
 * (client-credentials grant). It validates each revoke and token request against the OpenAPI document,
 * answers as DigiLocker documents it and, where DigiLocker's behaviour is unknown, as OAuth 2.0
 * (RFC 6749, RFC 7009) says a server should, and can inject faults.
 *
 * @example
 * const digilocker = await startMockDigiLocker();
 * const { accessToken } = digilocker.issueTokens();
 * // ... revoke it with a client whose baseUrl is digilocker.baseUrl ...
 * digilocker.isActive(accessToken); // false
 * await digilocker.close();
 */
export async function startMockDigiLocker(options: MockDigiLockerOptions = {}): Promise<MockDigiLocker> {
  const client: RegisteredClient = {
    clientId: options.clientId ?? 'mock-client-id',
    clientSecret: options.clientSecret ?? `mock-secret-${newToken().slice(0, 16)}`,
  };
  const lifetimeMs = (options.accessTokenLifetimeSeconds ?? 3600) * 1000;
  const successBody = options.successBody ?? '';
  const store = new TokenStore();
  const faults = new FaultQueue();
  const validators = createBodyValidators();
  const bearerTokens = new Map<string, number>(); // token -> expiry (epoch ms)
  const requestsPerToken = new Map<string, number>();
  const pendingTimers = new Set<NodeJS.Timeout>();
  const stats: MockDigiLockerStats = {
    requests: 0,
    revokeRequests: 0,
    tokenRequests: 0,
    revoked: 0,
    invalidToken: 0,
    invalidClient: 0,
    invalidRequest: 0,
    faults: 0,
  };

  const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    stats.requests++;
    readBody(request, (body) => {
      if (body === undefined) {
        // The rest of the body is never read: answer, then close the connection.
        response.shouldKeepAlive = false;
        response.once('finish', () => request.destroy());
        return sendError(response, 413, 'invalid_request', 'The body is too large');
      }
      // An endpoint URL may carry a query (RFC 6749 section 3.1): route on the path alone.
      const path = (request.url ?? '').split('?', 1)[0];
      if (path === REVOKE_PATH) return handleRevoke(request, response, body);
      if (path === TOKEN_PATH) return handleToken(request, response, body);
      sendError(response, 404, 'not_found', 'No such endpoint');
    });
  });

  function handleRevoke(request: IncomingMessage, response: ServerResponse, body: string): void {
    stats.revokeRequests++;
    countNamedToken(request, body);
    const fault = faults.next();
    if (fault) stats.faults++;
    if (fault?.type === 'delay') {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        if (!response.destroyed) answerRevoke(request, response, body, undefined);
      }, fault.ms);
      pendingTimers.add(timer);
      return;
    }
    answerRevoke(request, response, body, fault);
  }

  function answerRevoke(
    request: IncomingMessage,
    response: ServerResponse,
    body: string,
    fault: Exclude<MockFault, { type: 'delay' }> | undefined,
  ): void {
    if (fault?.type === 'status') {
      sendFaultStatus(response, fault);
      return;
    }
    if (fault?.type === 'malformed') {
      response.writeHead(fault.status ?? 500, { 'Content-Type': 'application/json' });
      response.end('{"error": "server_error", "error_description": ');
      return;
    }
    if (fault?.type === 'drop') {
      // The request was received (and, when asked, acted on); the answer never leaves.
      if (fault.revoke) revoke(request, body);
      request.socket.destroy();
      return;
    }
    revoke(request, body)(response);
  }

  function countNamedToken(request: IncomingMessage, body: string): void {
    const fields = parseBody(mediaTypeOf(request), body);
    if (typeof fields?.token !== 'string' || fields.token === '') return;
    requestsPerToken.set(fields.token, (requestsPerToken.get(fields.token) ?? 0) + 1);
  }

  /** Validates, authenticates and revokes; returns how to answer, so a drop fault can revoke first. */
  function revoke(request: IncomingMessage, body: string): (response: ServerResponse) => void {
    if (request.method !== 'POST') {
      stats.invalidRequest++;
      return (response) =>
        sendError(response, 405, 'invalid_request', 'The revoke endpoint accepts POST only', ALLOW_POST);
    }
    const mediaType = mediaTypeOf(request);
    const validate = validators['/oauth2/1/revoke'].get(mediaType);
    if (!validate) {
      stats.invalidRequest++;
      return (response) =>
        sendError(
          response,
          400,
          'invalid_request',
          'Content-Type must be application/x-www-form-urlencoded or application/json',
        );
    }
    const fields = parseBody(mediaType, body);
    if (fields === undefined) {
      stats.invalidRequest++;
      return (response) => sendError(response, 400, 'invalid_request', 'The body is not valid JSON');
    }
    if (fields.token === undefined || fields.token === '') {
      stats.invalidRequest++;
      return (response) => sendError(response, 400, 'invalid_request', 'The token parameter is required');
    }
    if (!validate(fields)) {
      stats.invalidRequest++;
      const description = describeValidationErrors(validate.errors);
      return (response) => sendError(response, 400, 'invalid_request', description);
    }
    if (usesTwoAuthenticationMethods(request, fields)) {
      stats.invalidRequest++;
      return (response) => sendError(response, 400, 'invalid_request', TWO_METHODS);
    }
    if (!authenticateClient(request.headers.authorization, fields, client, bearerTokens)) {
      stats.invalidClient++;
      return (response) => sendError(response, 401, 'invalid_client', 'Client authentication failed');
    }
    if (!store.revoke(String(fields.token))) {
      stats.invalidToken++;
      return (response) => sendError(response, 400, 'invalid_token', 'The token is invalid');
    }
    stats.revoked++;
    return (response) => {
      response.writeHead(200, successBody ? { 'Content-Type': 'application/json' } : {});
      response.end(successBody);
    };
  }

  function handleToken(request: IncomingMessage, response: ServerResponse, body: string): void {
    stats.tokenRequests++;
    if (request.method !== 'POST') {
      stats.invalidRequest++;
      sendError(response, 405, 'invalid_request', 'The token endpoint accepts POST only', ALLOW_POST);
      return;
    }
    const fields = parseBody('application/x-www-form-urlencoded', body) ?? {};
    const refusal = refuseTokenRequest(request, fields);
    if (refusal) {
      stats.invalidRequest++;
      sendError(response, 400, refusal.error, refusal.description);
      return;
    }
    if (!authenticateClient(request.headers.authorization, fields, client, undefined)) {
      stats.invalidClient++;
      sendError(response, 401, 'invalid_client', 'Client authentication failed');
      return;
    }
    const accessToken = newToken();
    bearerTokens.set(accessToken, Date.now() + lifetimeMs);
    const grant: TokenResponseBody = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: lifetimeMs / 1000,
      scope: typeof fields.scope === 'string' ? fields.scope : 'default',
    };
    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    response.end(JSON.stringify(grant));
  }

  /** Why a token request is refused with 400 before client authentication, if it is. */
  function refuseTokenRequest(
    request: IncomingMessage,
    fields: Record<string, unknown>,
  ): { error: string; description: string } | undefined {
    const validate = validators['/oauth2/1/token'].get(mediaTypeOf(request));
    if (!validate) {
      return {
        error: 'invalid_request',
        description: 'Content-Type must be application/x-www-form-urlencoded',
      };
    }
    if (fields.grant_type !== undefined && fields.grant_type !== 'client_credentials') {
      return { error: 'unsupported_grant_type', description: 'Only client_credentials is supported here' };
    }
    if (!validate(fields)) {
      return { error: 'invalid_request', description: describeValidationErrors(validate.errors) };
    }
    if (usesTwoAuthenticationMethods(request, fields)) {
      return { error: 'invalid_request', description: TWO_METHODS };
    }
    return undefined;
  }

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

  return {
    baseUrl: `http://127.0.0.1:${port}${PREFIX}`,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    stats,
    issueTokens: ({ grant } = {}) => store.issue(grant),
    isActive: (token) => store.isActive(token),
    revokeRequestsFor: (token) => requestsPerToken.get(token) ?? 0,
    inject: (fault, { times = 1 } = {}) => faults.add(fault, times),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of pendingTimers) clearTimeout(timer);
        pendingTimers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

const ALLOW_POST = { Allow: 'POST' };
const TWO_METHODS =
  'The client must not use more than one authentication method (RFC 6749 section 2.3): credentials both in the Authorization header and in the body';

/**
 * True when the request authenticates in the Authorization header and with client_secret in the body
 * too, which RFC 6749 section 2.3 forbids. (A client_id alone in the body identifies, it does not
 * authenticate.)
 */
function usesTwoAuthenticationMethods(request: IncomingMessage, fields: Record<string, unknown>): boolean {
  return request.headers.authorization !== undefined && fields.client_secret !== undefined;
}

/** The request's media type, lower-cased, without parameters. */
function mediaTypeOf(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Reads the whole body as UTF-8; undefined as soon as it is known to exceed the limit (a declared
 * Content-Length over it, or the bytes read so far), without reading the rest.
 */
function readBody(request: IncomingMessage, done: (body: string | undefined) => void): void {
  if (Number(request.headers['content-length']) > MAX_BODY_BYTES) {
    request.pause();
    done(undefined);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
    request.off('data', onData).off('end', onEnd).pause();
    done(undefined);
  };
  const onEnd = () => done(Buffer.concat(chunks).toString('utf8'));
  request.on('data', onData).on('end', onEnd);
}

/**
 * The body's fields; undefined when a JSON body is not an object. In a form body, a parameter sent
 * without a value is treated as omitted (RFC 6749 section 3.1), e.g. `token_type_hint=`.
 */
function parseBody(mediaType: string, body: string): Record<string, unknown> | undefined {
  if (mediaType === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(body)) if (value !== '') fields[name] = value;
    return fields;
  }
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function sendFaultStatus(response: ServerResponse, fault: Extract<MockFault, { type: 'status' }>): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
  response.writeHead(fault.status, headers);
  response.end(
    fault.body ?? JSON.stringify({ error: 'injected_fault', error_description: `Injected ${fault.status}` }),
  );
}

function sendError(
  response: ServerResponse,
  status: number,
  error: string,
  description: string,
  extraHeaders: Record<string, string> = {},
): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...extraHeaders };
  if (status === 401) headers['WWW-Authenticate'] = 'Basic realm="digilocker"';
  response.writeHead(status, headers);
  response.end(JSON.stringify({ error, error_description: description }));
}
