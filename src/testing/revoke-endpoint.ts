import type { IncomingMessage, ServerResponse } from 'node:http';
import { REVOKE_PATH } from '../wire';
import { authenticateClient } from './client-authentication';
import type { MockFault } from './faults';
import {
  ALLOW_POST,
  mediaTypeOf,
  parseBody,
  sendError,
  sendFaultStatus,
  TWO_METHODS,
  usesTwoAuthenticationMethods,
} from './http';
import type { MockState } from './mock-state';
import { describeValidationErrors } from './request-validation';

/** The revoke endpoint: counts the request, applies the next fault, if any, else answers as DigiLocker. */
export function handleRevoke(
  state: MockState,
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
): void {
  state.stats.revokeRequests++;
  countNamedToken(state, request, body);
  const fault = state.faults.next();
  if (fault) state.stats.faults++;
  if (fault?.type === 'delay') {
    const timer = setTimeout(() => {
      state.pendingTimers.delete(timer);
      if (!response.destroyed) answerRevoke(state, request, response, body, undefined);
    }, fault.ms);
    state.pendingTimers.add(timer);
    return;
  }
  answerRevoke(state, request, response, body, fault);
}

function answerRevoke(
  state: MockState,
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
    if (fault.revoke) revoke(state, request, body);
    request.socket.destroy();
    return;
  }
  revoke(state, request, body)(response);
}

function countNamedToken(state: MockState, request: IncomingMessage, body: string): void {
  const fields = parseBody(mediaTypeOf(request), body);
  if (typeof fields?.token !== 'string' || fields.token === '') return;
  state.requestsPerToken.set(fields.token, (state.requestsPerToken.get(fields.token) ?? 0) + 1);
}

/** Validates, authenticates and revokes; returns how to answer, so a drop fault can revoke first. */
function revoke(
  state: MockState,
  request: IncomingMessage,
  body: string,
): (response: ServerResponse) => void {
  if (request.method !== 'POST') {
    state.stats.invalidRequest++;
    return (response) =>
      sendError(response, 405, 'invalid_request', 'The revoke endpoint accepts POST only', ALLOW_POST);
  }
  const mediaType = mediaTypeOf(request);
  const validate = state.validators[REVOKE_PATH].get(mediaType);
  if (!validate) {
    state.stats.invalidRequest++;
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
    state.stats.invalidRequest++;
    return (response) => sendError(response, 400, 'invalid_request', 'The body is not valid JSON');
  }
  if (fields.token === undefined || fields.token === '') {
    state.stats.invalidRequest++;
    return (response) => sendError(response, 400, 'invalid_request', 'The token parameter is required');
  }
  if (!validate(fields)) {
    state.stats.invalidRequest++;
    const description = describeValidationErrors(validate.errors);
    return (response) => sendError(response, 400, 'invalid_request', description);
  }
  if (usesTwoAuthenticationMethods(request, fields)) {
    state.stats.invalidRequest++;
    return (response) => sendError(response, 400, 'invalid_request', TWO_METHODS);
  }
  if (!authenticateClient(request.headers.authorization, fields, state.client, state.bearerTokens)) {
    state.stats.invalidClient++;
    return (response) => sendError(response, 401, 'invalid_client', 'Client authentication failed');
  }
  if (!state.store.revoke(String(fields.token))) {
    state.stats.invalidToken++;
    return (response) => sendError(response, 400, 'invalid_token', 'The token is invalid');
  }
  state.stats.revoked++;
  return (response) => {
    response.writeHead(200, state.successBody ? { 'Content-Type': 'application/json' } : {});
    response.end(state.successBody);
  };
}
