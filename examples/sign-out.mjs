// client.signOut: revoke a user's refresh token, then access token; never throws for one token's failure.
// Run: npm run build && node examples/sign-out.mjs
import { createRevocationClient } from 'digilocker-revocation';
import { startMockDigiLocker } from 'digilocker-revocation/testing';

const digilocker = await startMockDigiLocker();
try {
  const client = createRevocationClient({
    baseUrl: digilocker.baseUrl,
    credentials: { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret },
  });
  const session = digilocker.issueTokens();

  const { complete, refreshToken, accessToken } = await client.signOut(session);
  console.log('refresh token:', refreshToken.ok ? refreshToken.result.outcome : refreshToken.error.code);
  // Revoking the refresh token invalidated the grant's access token: it counts as already revoked.
  console.log('access token:', accessToken.ok ? accessToken.result.outcome : accessToken.error.code);
  console.log('signed out completely:', complete);
} finally {
  await digilocker.close();
}
