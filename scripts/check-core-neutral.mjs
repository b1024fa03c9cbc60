#!/usr/bin/env node
// The core entry must run anywhere fetch, URL, AbortController and Web Crypto exist. Bundle it for
// the browser platform with nothing external: any `node:` (or other Node built-in) import fails here.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['src/index.ts'],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  minify: true,
  write: false,
  metafile: true,
  logLevel: 'silent',
}).catch((error) => {
  console.error('The core entry (src/index.ts) does not bundle for a neutral platform:');
  for (const e of error.errors ?? [error]) console.error(`  ${e.text ?? e.message}`);
  process.exit(1);
});

const nodeInputs = Object.keys(result.metafile.inputs).filter((input) => input.startsWith('node:'));
if (nodeInputs.length > 0) {
  console.error(`The core entry imports Node built-ins: ${nodeInputs.join(', ')}`);
  process.exit(1);
}
const bytes = result.outputFiles[0].contents;
console.log(
  `core entry bundles for the browser platform: ${bytes.length} B minified, ${gzipSync(bytes).length} B gzipped`,
);
