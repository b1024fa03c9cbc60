// client.revoke: revoke one token, and see what a second revocation of the same token says.
// Run: npm run build && node examples/revoke.mjs
import { createRevocationClient, InvalidTokenError } from 'digilocker-revocation';
import { startMockDigiLocker } from 'digilocker-revocation/testing';

const digilocker = await startMockDigiLocker(); // a real local server; use your own baseUrl in production
try {
  const client = createRevocationClient({
    baseUrl: digilocker.baseUrl,
    credentials: { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret },
  });
  const { accessToken } = digilocker.issueTokens();

  const result = await client.revoke(accessToken, { tokenTypeHint: 'access_token' });
  console.log('first revoke:', result.outcome, `(status ${result.status}, ${result.attempts} attempt)`);

  try {
    await client.revoke(accessToken);
  } catch (error) {
    if (!(error instanceof InvalidTokenError)) throw error;
    console.log('second revoke:', error.code, '-', error.oauthErrorDescription);
  }
} finally {
  await digilocker.close();
}
