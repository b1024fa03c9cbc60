import type { IncomingMessage, ServerResponse } from 'node:http';
import { TOKEN_PATH, type TokenResponseBody } from '../wire';
import { authenticateClient } from './client-authentication';
import {
  ALLOW_POST,
  mediaTypeOf,
  parseBody,
  sendError,
  TWO_METHODS,
  usesTwoAuthenticationMethods,
} from './http';
import type { MockState } from './mock-state';
import { describeValidationErrors } from './request-validation';
import { newToken } from './token-store';

/** The token endpoint: a client-credentials grant, answered with a bearer token the revoke endpoint accepts. */
export function handleToken(
  state: MockState,
  request: IncomingMessage,
  response: ServerResponse,
  body: string,
): void {
  state.stats.tokenRequests++;
  if (request.method !== 'POST') {
    state.stats.invalidRequest++;
    sendError(response, 405, 'invalid_request', 'The token endpoint accepts POST only', ALLOW_POST);
    return;
  }
  const fields = parseBody('application/x-www-form-urlencoded', body) ?? {};
  const refusal = refuseTokenRequest(state, request, fields);
  if (refusal) {
    state.stats.invalidRequest++;
    sendError(response, 400, refusal.error, refusal.description);
    return;
  }
  if (!authenticateClient(request.headers.authorization, fields, state.client, undefined)) {
    state.stats.invalidClient++;
    sendError(response, 401, 'invalid_client', 'Client authentication failed');
    return;
  }
  const accessToken = newToken();
  state.bearerTokens.set(accessToken, Date.now() + state.lifetimeMs);
  const grant: TokenResponseBody = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: state.lifetimeMs / 1000,
    scope: typeof fields.scope === 'string' ? fields.scope : 'default',
  };
  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(grant));
}

/** Why a token request is refused with 400 before client authentication, if it is. */
function refuseTokenRequest(
  state: MockState,
  request: IncomingMessage,
  fields: Record<string, unknown>,
): { error: string; description: string } | undefined {
  const validate = state.validators[TOKEN_PATH].get(mediaTypeOf(request));
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
