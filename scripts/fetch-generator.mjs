#!/usr/bin/env node
// Makes sure the pinned openapi-generator JAR is in the ignored folder named in openapitools.json.
// openapi-generator-cli downloads it by itself where it can; where that download fails, the same
// pinned artifact is fetched with Maven (`mvn dependency:copy`) into the same folder.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The pinned generator version and the folder it lives in, from openapitools.json. */
export function generatorConfig() {
  const config = JSON.parse(readFileSync(join(root, 'openapitools.json'), 'utf8'))['generator-cli'];
  const storageDir = join(root, config.storageDir);
  return { version: config.version, storageDir, jar: join(storageDir, `${config.version}.jar`) };
}

/** Returns the path of the pinned JAR, downloading it first if needed. */
export function ensureGeneratorJar({ log = console.error } = {}) {
  const { version, storageDir, jar } = generatorConfig();
  if (existsSync(jar)) return jar;
  try {
    execFileSync(join(root, 'node_modules/.bin/openapi-generator-cli'), ['version'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch {
    log('openapi-generator-cli could not download the JAR itself; trying Maven.');
  }
  if (existsSync(jar)) return jar;
  fetchWithMaven(version, storageDir, jar);
  if (!existsSync(jar)) throw new Error(`openapi-generator ${version} JAR is still missing at ${jar}`);
  return jar;
}

function fetchWithMaven(version, storageDir, jar) {
  const scratch = mkdtempSync(join(tmpdir(), 'openapi-generator-'));
  try {
    execFileSync(
      'mvn',
      [
        '--batch-mode',
        '--quiet',
        'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy',
        `-Dartifact=org.openapitools:openapi-generator-cli:${version}:jar`,
        `-DoutputDirectory=${scratch}`,
      ],
      { cwd: scratch, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    mkdirSync(storageDir, { recursive: true });
    copyFileSync(join(scratch, `openapi-generator-cli-${version}.jar`), jar);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const viaMaven = process.argv.includes('--maven');
  if (viaMaven) {
    const { version, storageDir, jar } = generatorConfig();
    rmSync(jar, { force: true });
    fetchWithMaven(version, storageDir, jar);
    console.log(jar);
  } else {
    console.log(ensureGeneratorJar());
  }
}
