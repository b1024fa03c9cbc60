#!/usr/bin/env node
// Regenerates everything in generated/ from openapi/digilocker-revocation.yaml:
//   1. validates the document with openapi-generator and with swagger-parser (a second opinion);
//   2. openapi-typescript -> generated/schema.d.ts;
//   3. openapi-generator's markdown generator -> generated/docs/;
//   4. the document bundled to JSON -> generated/openapi.json (the mock server validates requests with it).
// Usage: node scripts/generate.mjs [outDir]   (outDir defaults to generated/; check-generated uses a temp dir)
// Needs Java 11+ for openapi-generator. Output is byte-for-byte reproducible.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import { ensureGeneratorJar } from './fetch-generator.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const SPEC = join(root, 'openapi/digilocker-revocation.yaml');
const SPEC_NAME = relative(root, SPEC);
const DO_NOT_EDIT = `Generated from ${SPEC_NAME} by \`npm run generate\`. Do not edit by hand.`;

export async function generate(outDir) {
  const jar = ensureGeneratorJar();
  await SwaggerParser.validate(SPEC);
  runGenerator(jar, ['validate', '-i', SPEC]);

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await generateTypes(join(outDir, 'schema.d.ts'));
  generateDocs(jar, join(outDir, 'docs'));
  await bundleSpec(join(outDir, 'openapi.json'));
}

async function bundleSpec(file) {
  const bundled = await SwaggerParser.bundle(SPEC);
  writeFileSync(file, `${JSON.stringify(bundled, null, 2)}\n`);
}

async function generateTypes(file) {
  const ast = await openapiTS(new URL(`file://${SPEC}`), { alphabetize: true });
  writeFileSync(file, `/**\n * ${DO_NOT_EDIT}\n */\n\n${astToString(ast)}`);
}

function generateDocs(jar, docsDir) {
  runGenerator(jar, [
    'generate',
    '-g',
    'markdown',
    '-i',
    SPEC,
    '-o',
    docsDir,
    '--global-property',
    'skipFormModel=false',
    '--template-dir',
    join(root, 'scripts/templates/markdown'),
  ]);
  // The generator's bookkeeping (list of files, version, ignore file) is not documentation.
  rmSync(join(docsDir, '.openapi-generator'), { recursive: true, force: true });
  rmSync(join(docsDir, '.openapi-generator-ignore'), { force: true });
  for (const file of listFiles(docsDir)) {
    if (!file.endsWith('.md')) continue;
    const text = readFileSync(file, 'utf8').replace(/[ \t]+$/gm, '');
    writeFileSync(file, `<!-- ${DO_NOT_EDIT} -->\n\n${text.trimEnd()}\n`);
  }
}

function runGenerator(jar, args) {
  execFileSync('java', ['-jar', jar, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Every file under dir, sorted, so callers see a stable order. */
export function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(root, 'generated'));
  await generate(outDir);
  console.log(`generated ${relative(root, outDir) || outDir} from ${SPEC_NAME}`);
}
