// clientCredentialsTokenProvider: authenticate revocations with a bearer token from the
// client-credentials grant (the API listing's oauthsecurity scheme), cached until shortly before expiry.
// Run: npm run build && node examples/token-provider.mjs
import { clientCredentialsTokenProvider, createRevocationClient } from 'digilocker-revocation';
import { startMockDigiLocker } from 'digilocker-revocation/testing';

const digilocker = await startMockDigiLocker();
try {
  const client = createRevocationClient({
    baseUrl: digilocker.baseUrl,
    // tokenUrl defaults to the client's base URL + /oauth2/1/token.
    accessToken: clientCredentialsTokenProvider({
      clientId: digilocker.clientId,
      clientSecret: digilocker.clientSecret,
      scope: 'default',
    }),
  });
  for (let i = 0; i < 3; i++) {
    const result = await client.revoke(digilocker.issueTokens().refreshToken, {
      tokenTypeHint: 'refresh_token',
    });
    console.log(`revoke ${i + 1}:`, result.outcome);
  }
} finally {
  await digilocker.close();
}
