#!/usr/bin/env node
// Both builds of the core work on their own: `instanceof` holds for errors thrown by the ESM build
// against the ESM classes, and by the CommonJS build against the CommonJS classes.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const builds = { esm: await import('../dist/index.js'), cjs: require('../dist/index.cjs') };

const answers = [
  [400, '{"error":"invalid_token"}', 'InvalidTokenError'],
  [401, '{"error":"invalid_client"}', 'InvalidClientError'],
  [429, '', 'RateLimitedError'],
  [503, '', 'ServerError'],
  [418, '', 'UnexpectedResponseError'],
];

let failures = 0;
for (const [name, build] of Object.entries(builds)) {
  for (const [status, body, className] of answers) {
    const client = build.createRevocationClient({
      baseUrl: 'http://127.0.0.1:9/public',
      credentials: { clientId: 'id', clientSecret: 'secret' },
      retry: false,
      fetch: async () => new Response(body, { status }),
    });
    const error = await client.revoke('token').catch((e) => e);
    const ok =
      error instanceof build[className] && error instanceof build.RevocationError && error instanceof Error;
    if (!ok) {
      failures++;
      console.error(`${name}: a ${status} did not reject with an instance of ${className}`);
    }
  }
}
if (failures) process.exit(1);
console.log('ESM and CommonJS builds: every error class passes instanceof.');
