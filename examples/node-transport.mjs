// createNodeTransport: on Node, undici's keep-alive connection pool, at a fraction of global fetch's CPU.
// Run: npm run build && node examples/node-transport.mjs
import { createRevocationClient } from 'digilocker-revocation';
import { createNodeTransport } from 'digilocker-revocation/node';
import { startMockDigiLocker } from 'digilocker-revocation/testing';

const digilocker = await startMockDigiLocker();
const transport = createNodeTransport();
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
