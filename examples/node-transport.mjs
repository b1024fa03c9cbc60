// createNodeFetch: on Node, undici's fetch with keep-alive pools per origin and proxies (HTTPS_PROXY, ...).
// Run: npm run build && node examples/node-transport.mjs
import { createRevocationClient } from 'digilocker-revocation';
import { createNodeFetch } from 'digilocker-revocation/node';
import { startMockDigiLocker } from 'digilocker-revocation/testing';

const digilocker = await startMockDigiLocker();
const transport = createNodeFetch();
try {
  const client = createRevocationClient({
    baseUrl: digilocker.baseUrl,
    credentials: { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret },
    fetch: transport,
  });
  const result = await client.revoke(digilocker.issueTokens().accessToken);
  console.log('revoked over the Node transport:', result.outcome);
} finally {
  await transport.close();
  await digilocker.close();
}
