/** The client registered with the mock. */
export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
}

/**
 * True when the request authenticates the registered client: HTTP Basic (client_secret_basic, id and
 * secret form-encoded before base64 as RFC 6749 section 2.3.1 says), `client_id`/`client_secret` body
 * fields (client_secret_post), or, where `bearerTokens` is given, a live Bearer token from the token
 * endpoint.
 */
export function authenticateClient(
  authorization: string | undefined,
  fields: Record<string, unknown>,
  client: RegisteredClient,
  bearerTokens: Map<string, number> | undefined,
): boolean {
  if (authorization) {
    const space = authorization.indexOf(' ');
    const scheme = authorization.slice(0, space).toLowerCase();
    const value = authorization.slice(space + 1).trim();
    if (scheme === 'basic') return matchesBasic(value, client);
    if (scheme === 'bearer' && bearerTokens) {
      const expiresAt = bearerTokens.get(value);
      return expiresAt !== undefined && Date.now() < expiresAt;
    }
    return false;
  }
  return fields.client_id === client.clientId && fields.client_secret === client.clientSecret;
}

function matchesBasic(value: string, client: RegisteredClient): boolean {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  try {
    return (
      formDecode(decoded.slice(0, colon)) === client.clientId &&
      formDecode(decoded.slice(colon + 1)) === client.clientSecret
    );
  } catch {
    return false; // malformed percent-encoding
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
