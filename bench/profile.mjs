// A small driver to profile one contender against the bench server:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.mjs [contender] [concurrency] [requests]
// e.g. `node --cpu-prof bench/profile.mjs revoke 64 20000`. Contender keys are those of
// bench/contenders.mjs (revoke, revokeNode, fetch, oauth4webapi, openidClient) or `revokeMany`.

import { createRevocationClient } from '../dist/index.js';
import { CONTENDERS, CREDENTIALS, drainRevokeMany } from './contenders.mjs';
import { makeTokens, runRequests } from './measure.mjs';
import { startServer } from './server.mjs';

const [key = 'revoke', concurrencyText = '64', requestsText = '20000'] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const requests = Number(requestsText);

const server = await startServer();
const baseUrl = `http://127.0.0.1:${server.port}/public`;
try {
  const startedAt = process.hrtime.bigint();
  if (key === 'revokeMany') {
    const client = createRevocationClient({ baseUrl, credentials: CREDENTIALS });
    await drainRevokeMany(client, makeTokens(requests), concurrency);
  } else {
    const contender = CONTENDERS.find((c) => c.key === key);
    if (!contender) throw new Error(`Unknown contender "${key}"`);
    const instance = await contender.create(baseUrl);
    if (instance.skipped) throw new Error(`${key}: ${instance.skipped}`);
    await runRequests(instance.call, { requests, concurrency, tokens: makeTokens(4096) });
    await instance.close();
  }
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  console.log(`${key} c=${concurrency}: ${requests} requests, ${Math.round(requests / seconds)} req/s`);
} finally {
  await server.close();
}
