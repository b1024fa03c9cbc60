import { randomBytes } from 'node:crypto';

/** The kinds of token the mock issues. */
export type TokenKind = 'access_token' | 'refresh_token';

interface TokenRecord {
  kind: TokenKind;
  grant: string;
  active: boolean;
}

/** A new opaque token: 40 hex characters, like those in DigiLocker's documentation. */
export function newToken(): string {
  return randomBytes(20).toString('hex');
}

/**
 * The mock's tokens, by grant. Revoking a refresh token also invalidates the access tokens of its
 * grant, as DigiLocker documents.
 */
export class TokenStore {
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #grants = new Map<string, string[]>();
  #nextGrant = 0;

  /** Issues an access and a refresh token for a grant (a new one unless named). */
  issue(grant = `grant-${++this.#nextGrant}`): { accessToken: string; refreshToken: string } {
    const accessToken = newToken();
    const refreshToken = newToken();
    this.#tokens.set(accessToken, { kind: 'access_token', grant, active: true });
    this.#tokens.set(refreshToken, { kind: 'refresh_token', grant, active: true });
    const tokens = this.#grants.get(grant) ?? [];
    tokens.push(accessToken, refreshToken);
    this.#grants.set(grant, tokens);
    return { accessToken, refreshToken };
  }

  /** True while the token was issued and not revoked. */
  isActive(token: string): boolean {
    return this.#tokens.get(token)?.active === true;
  }

  /**
   * Revokes an active token (a refresh token takes its grant's access tokens with it). Returns false
   * for an unknown or already revoked token. The hint is only a hint (RFC 7009): any kind is found.
   */
  revoke(token: string): boolean {
    const record = this.#tokens.get(token);
    if (!record?.active) return false;
    record.active = false;
    if (record.kind === 'refresh_token') {
      for (const other of this.#grants.get(record.grant) ?? []) {
        const otherRecord = this.#tokens.get(other);
        if (otherRecord?.kind === 'access_token') otherRecord.active = false;
      }
    }
    return true;
  }
}
