// Compile-time checks, run by `npm run typecheck` (tsc), not by jest: the generated types reject a
// wrong body. If a line marked @ts-expect-error ever compiles, tsc fails with "Unused directive".
import { createRawClient, REVOKE_PATH, type RevocationJsonBody } from '../src/wire';

const raw = createRawClient('https://betaapi.digitallocker.gov.in/public');

export function wrongBodies(): void {
  // @ts-expect-error token is required
  void raw.POST(REVOKE_PATH, { body: { token_type_hint: 'access_token' } });
  // @ts-expect-error token_type_hint is an enum
  void raw.POST(REVOKE_PATH, { body: { token: 't', token_type_hint: 'id_token' } });
  // @ts-expect-error token is a string
  void raw.POST(REVOKE_PATH, { body: { token: 42 } });
  // @ts-expect-error the path does not exist in the spec
  void raw.POST('/oauth2/1/revoke-all', { body: { token: 't' } });
  // @ts-expect-error the JSON body has no client credentials
  const json: RevocationJsonBody = { token: 't', client_secret: 's' };
  void json;
}
