#!/usr/bin/env node
// `prepublishOnly`: this package is internal. Refuse `npm publish` to the public registry, where the
// unscoped name `digilocker-revocation` is not ours; publish to your private registry instead:
//   npm publish --registry https://npm.example.internal/
// (or set `publishConfig.registry` in package.json). npm passes --registry and .npmrc settings to
// this script as npm_config_registry; it leaves that variable out when it is npm's default.
import { readFileSync } from 'node:fs';

const PUBLIC = 'registry.npmjs.org';
const { publishConfig = {} } = JSON.parse(readFileSync('package.json', 'utf8'));
const registry = publishConfig.registry ?? process.env.npm_config_registry ?? `https://${PUBLIC}/`;

let host;
try {
  host = new URL(registry).hostname;
} catch {
  console.error(`npm publish: cannot read the registry URL ${JSON.stringify(registry)}.`);
  process.exit(1);
}
if (host === PUBLIC || host.endsWith(`.${PUBLIC}`) || host === 'registry.yarnpkg.com') {
  console.error(
    `npm publish: digilocker-revocation is an internal package and is not published to ${registry}.\n` +
      'Publish it to your private registry: npm publish --registry <your registry URL> (see README, Install).',
  );
  process.exit(1);
}
console.log(`npm publish: publishing to ${registry}`);
