// client.revokeMany: revoke a batch with bounded concurrency; one outcome per input, never the token.
// Run: npm run build && node examples/revoke-many.mjs
import { createRevocationClient } from 'digilocker-revocation';
import { startMockDigiLocker } from 'digilocker-revocation/testing';

const digilocker = await startMockDigiLocker();
try {
  const client = createRevocationClient({
    baseUrl: digilocker.baseUrl,
    credentials: { clientId: digilocker.clientId, clientSecret: digilocker.clientSecret },
  });
  const leaked = Array.from({ length: 20 }, (_, i) => ({
    token: digilocker.issueTokens().accessToken,
    id: `user-${i}`,
  }));
  leaked.push({ token: 'not-a-real-token', id: 'stray' });

  const counts = {};
  for await (const outcome of client.revokeMany(leaked, { concurrency: 4, tokenTypeHint: 'access_token' })) {
    const what = outcome.ok ? outcome.result.outcome : outcome.error.code;
    counts[what] = (counts[what] ?? 0) + 1;
    if (!outcome.ok) console.log(`${outcome.id} (${outcome.fingerprint}): ${what}`);
  }
  console.log('outcomes:', counts);
} finally {
  await digilocker.close();
}
