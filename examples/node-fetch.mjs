// createNodeFetch: on Node, undici's fetch with keep-alive pools per origin and proxies (HTTPS_PROXY, ...).
// Run: npm run build && node examples/node-fetch.mjs
import { createRevocationClient } from 'digilocker-revocation';
import { createNodeFetch } from 'digilocker-revocation/node';
import { startMockDigiLocker } from 'digilocker-revocation/testing';

const digilocker = await startMockDigiLocker();
const fetch = createNodeFetch();
try {
  const client = createRevocationClient({
    baseUrl: digilocker.baseUrl,
    credentials: { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret },
    fetch,
  });
  const result = await client.revoke(digilocker.issueTokens().accessToken);
  console.log('revoked over createNodeFetch:', result.outcome);
} finally {
  await fetch.close();
  await digilocker.close();
}
