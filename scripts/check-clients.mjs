#!/usr/bin/env node
// Generates clients from openapi/digilocker-revocation.yaml with the pinned openapi-generator and its
// default settings, compiles them, and revokes a token with each on the mock DigiLocker:
// - java (its default library, as the published reference was generated): prints the diff of its
//   TokenRevocationApiApi.md against the reference (openapi/reference/TokenRevocationApiApi.md) and
//   fails unless operation name, HTTP request, description, parameters and return type are the
//   reference's, and every other difference is a marked addition of the spec; compiles it with Maven;
//   runs scripts/clients/RevokeWithJavaClient.java (bearer token from the token endpoint, then the
//   reference's example);
// - typescript-fetch: compiles it with tsc (strict) and does the same in Node.
// Each client revokes once per 200 body: the mock's default (empty) and each body the spec documents
// as observed. The mock then has to say the token is revoked, and a second revoke must fail with 400.
//
// Usage: node scripts/check-clients.mjs [java] [typescript-fetch] [--spec file.yaml] [--keep]
// Needs Java 11+ (JDK) and Maven for java. No token or secret is printed.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { loadMockDigiLocker } from './clients/mock-from-source.mjs';
import { ensureGeneratorJar } from './fetch-generator.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const REFERENCE_DOC = join(root, 'openapi/reference/TokenRevocationApiApi.md');
const MARK = 'x-digilocker-addition';
const REVOKE = '/oauth2/1/revoke';

const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args.splice(index, 2)[1] : undefined;
};
const spec = resolve(option('--spec') ?? join(root, 'openapi/digilocker-revocation.yaml'));
const keep = args.includes('--keep');
const wanted = args.filter((arg) => !arg.startsWith('--'));
const targets = wanted.length > 0 ? wanted : ['java', 'typescript-fetch'];
for (const target of targets) {
  if (!['java', 'typescript-fetch'].includes(target)) throw new Error(`unknown client: ${target}`);
}

const jar = ensureGeneratorJar();
const document = await SwaggerParser.dereference(spec);
const observed = document.paths[REVOKE].post.responses['200']['x-digilocker-observed-bodies'] ?? [];
/** The 200 bodies to revoke with: the mock's default (empty) first, then each documented one. */
const SUCCESS_BODIES = [undefined, ...observed.filter((body) => body !== '')];
const startMockDigiLocker = await loadMockDigiLocker();
const scratch = mkdtempSync(join(tmpdir(), 'check-clients-'));
const failures = [];

try {
  for (const target of targets) {
    console.log(
      `\n--- ${target} client generated from ${relative(root, spec)} (openapi-generator, default settings)`,
    );
    try {
      if (target === 'java') await checkJava(join(scratch, 'java'));
      else await checkTypescriptFetch(join(scratch, 'typescript-fetch'));
      console.log(`${target}: compiles and revokes on the mock DigiLocker.`);
    } catch (error) {
      failures.push(target);
      console.error(`${target}: FAILED: ${error.message}`);
    }
  }
} finally {
  if (keep) console.log(`\nkept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`\nGenerated clients that do not compile or do not revoke: ${failures.join(', ')}`);
  process.exitCode = 1;
} else {
  console.log('\nEvery generated client compiles and revokes a token on the mock DigiLocker.');
}

function generateClient(generator, outDir) {
  run('java', ['-jar', jar, 'generate', '-g', generator, '-i', spec, '-o', outDir], {
    what: 'openapi-generator',
  });
}

/** Runs a command, keeping its output to show only when it fails. */
function run(command, commandArgs, { cwd = root, env = process.env, what = command } = {}) {
  const result = spawnSync(command, commandArgs, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-60).join('\n');
    throw new Error(`${what} failed (exit ${result.status ?? result.signal}):\n${output}`);
  }
  return result.stdout;
}

// ---------------------------------------------------------------------------------------------------
// Java

async function checkJava(dir) {
  generateClient('java', dir);
  const ours = join(dir, 'docs/TokenRevocationApiApi.md');
  console.log(`diff -u ${relative(root, REFERENCE_DOC)} <generated>/docs/TokenRevocationApiApi.md`);
  const diff = spawnSync('diff', ['-u', REFERENCE_DOC, ours], { encoding: 'utf8' });
  process.stdout.write(diff.stdout || '(identical)\n');
  const problems = compareApiDoc(readFileSync(REFERENCE_DOC, 'utf8'), readFileSync(ours, 'utf8'));
  if (problems.length > 0)
    throw new Error(`TokenRevocationApiApi.md departs from the reference:\n  ${problems.join('\n  ')}`);
  console.log('java: TokenRevocationApiApi.md differs from the reference only by marked additions.');

  run('mvn', ['--batch-mode', '--quiet', '-DskipTests', '-Dmaven.javadoc.skip=true', 'package'], {
    cwd: dir,
    what: 'mvn package (compiling the generated client)',
  });
  const jarFile = readdirSync(join(dir, 'target')).find(
    (name) => /^[\w.-]+\.jar$/.test(name) && !/-(sources|tests|javadoc)\.jar$/.test(name),
  );
  if (!jarFile) throw new Error('mvn package made no jar');
  const classpath = [join(dir, 'target', jarFile), join(dir, 'target/lib/*')].join(delimiter);
  const classes = join(dir, 'check-classes');
  mkdirSync(classes);
  run('javac', ['-d', classes, '-cp', classpath, join(root, 'scripts/clients/RevokeWithJavaClient.java')], {
    what: 'javac RevokeWithJavaClient.java',
  });
  console.log('java: the generated client compiles (mvn package), and so does RevokeWithJavaClient.java.');

  await revokeOnMock('java', async (digilocker, token) => {
    // Asynchronously: the mock answers from this process's event loop.
    const java = await promisify(execFile)(
      'java',
      ['-cp', [classes, classpath].join(delimiter), 'RevokeWithJavaClient'],
      {
        env: {
          ...process.env,
          DIGILOCKER_BASE_URL: digilocker.baseUrl,
          DIGILOCKER_CLIENT_ID: digilocker.clientId,
          DIGILOCKER_CLIENT_SECRET: digilocker.clientSecret,
          TOKEN_TO_REVOKE: token,
        },
        timeout: 120_000,
      },
    ).catch((error) => {
      throw new Error(
        `RevokeWithJavaClient failed (exit ${error.code ?? error.signal}):\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
    });
    process.stdout.write(java.stdout.replace(/^(?=.)/gm, '  '));
  });
}

/**
 * What the generated TokenRevocationApiApi.md may differ from the reference in: nothing in operation
 * name, HTTP request, description, parameters and return type; elsewhere, only what the spec marks as
 * an addition (a security scheme, a request media type, a response and its media type).
 */
function compareApiDoc(reference, ours) {
  const problems = [];
  const operation = document.paths[REVOKE].post;
  const marked = (value) => typeof value?.[MARK] === 'string';
  const addedSchemes = Object.entries(document.components?.securitySchemes ?? {})
    .filter(([, scheme]) => marked(scheme))
    .map(([name]) => name);
  const addedRequestTypes = Object.entries(operation.requestBody?.content ?? {})
    .filter(([, media]) => marked(media))
    .map(([type]) => type);
  const markedResponses = Object.entries(operation.responses).filter(
    ([, response]) => marked(response) || typeof response[MARK]?.content === 'string',
  );
  const addedStatuses = markedResponses.filter(([, response]) => marked(response)).map(([code]) => code);
  const addedAcceptTypes = markedResponses.flatMap(([, response]) => Object.keys(response.content ?? {}));

  const sectionsOf = (text) => {
    const sections = new Map();
    let name = 'head';
    for (const line of text.split('\n')) {
      const heading = /^###? (.+)$/.exec(line);
      if (heading && line.startsWith('### ')) name = heading[1];
      else if (line.startsWith('# **')) name = 'operation';
      sections.set(name, [...(sections.get(name) ?? []), line]);
    }
    return sections;
  };
  const theirs = sectionsOf(reference);
  const mine = sectionsOf(ours);
  const same = (name, what) => {
    const a = (theirs.get(name) ?? []).join('\n').trim();
    const b = (mine.get(name) ?? []).join('\n').trim();
    if (a !== b) problems.push(`${what} differs`);
  };
  same('head', 'the title, base path or operation table (operation name, HTTP request, summary)');
  same('operation', 'the operation name, signature or description');
  same('Parameters', 'the parameters');
  same('Return type', 'the return type');

  const items = (name, pattern) => (theirs.get(name) ?? []).join('\n').match(pattern) ?? [];
  const itemsOurs = (name, pattern) => (mine.get(name) ?? []).join('\n').match(pattern) ?? [];
  /** Every reference item is ours too; every item of ours beyond them is allowed. */
  const superset = (what, reference, ours, allowed) => {
    for (const item of reference) if (!ours.includes(item)) problems.push(`${what}: ${item} is missing`);
    for (const item of ours) {
      if (!reference.includes(item) && !allowed(item))
        problems.push(`${what}: ${item} is not a marked addition`);
    }
  };
  const schemeLink = /\[(\w+)\]\(\.\.\/README\.md#\w+\)/g;
  superset(
    'Authorization',
    items('Authorization', schemeLink),
    itemsOurs('Authorization', schemeLink),
    (item) => addedSchemes.some((name) => item.startsWith(`[${name}]`)),
  );
  const header = (sections, name) =>
    ((sections.get('HTTP request headers') ?? []).find((line) => line.includes(`**${name}**`)) ?? '')
      .replace(/^.*\*\*: /, '')
      .split(', ')
      .filter((type) => type !== 'Not defined');
  superset('Content-Type', header(theirs, 'Content-Type'), header(mine, 'Content-Type'), (type) =>
    addedRequestTypes.includes(type),
  );
  superset('Accept', header(theirs, 'Accept'), header(mine, 'Accept'), (type) =>
    addedAcceptTypes.includes(type),
  );
  const rows = (sections) =>
    (sections.get('HTTP response details') ?? []).filter((line) => /^\| \*\*\d{3}\*\* \|/.test(line));
  superset('HTTP response details', rows(theirs), rows(mine), (row) =>
    addedStatuses.includes(/\*\*(\d{3})\*\*/.exec(row)[1]),
  );
  // The example: the reference's lines, in order, plus only lines that configure an added scheme.
  const exampleLines = (sections) => (sections.get('Example') ?? []).filter((line) => line.trim() !== '');
  const extra = (line) => addedSchemes.some((name) => line.includes(name));
  const reduced = exampleLines(mine).filter((line) => !extra(line) || exampleLines(theirs).includes(line));
  if (reduced.join('\n') !== exampleLines(theirs).join('\n')) {
    problems.push('the example differs beyond configuring an added security scheme');
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// typescript-fetch

async function checkTypescriptFetch(dir) {
  generateClient('typescript-fetch', dir);
  const out = join(dir, 'compiled');
  run(
    join(root, 'node_modules/.bin/tsc'),
    [
      '--strict',
      '--target',
      'es2020',
      '--module',
      'commonjs',
      '--moduleResolution',
      'node',
      '--lib',
      'es2020,dom',
      '--outDir',
      out,
      join(dir, 'index.ts'),
    ],
    { what: 'tsc (compiling the generated client)' },
  );
  console.log('typescript-fetch: the generated client compiles (tsc --strict).');
  const client = createRequire(import.meta.url)(join(out, 'index.js'));

  await revokeOnMock('typescript-fetch', async (digilocker, token) => {
    const tokenConfiguration = new client.Configuration({
      basePath: digilocker.baseUrl,
      username: digilocker.clientId,
      password: digilocker.clientSecret,
    });
    const grant = await new client.ClientCredentialsTokenApi(
      tokenConfiguration,
    ).requestClientCredentialsToken({
      grantType: 'client_credentials',
      scope: 'default',
    });
    if (grant.tokenType !== 'Bearer')
      throw new Error(`the token endpoint answered token_type ${grant.tokenType}`);
    console.log(
      `  typescript-fetch: requestClientCredentialsToken returned a Bearer token (expires_in ${grant.expiresIn})`,
    );
    // typescript-fetch puts what accessToken returns in the Authorization header as it is.
    const configuration = new client.Configuration({
      basePath: digilocker.baseUrl,
      accessToken: async () => `Bearer ${grant.accessToken}`,
    });
    const api = new client.TokenRevocationAPIApi(configuration);
    const request = { getTokenRevocationIdRequest: { token, tokenTypeHint: 'access_token' } };
    await api.getTokenRevocationId(request);
    console.log('  typescript-fetch: getTokenRevocationId resolved (200)');
    const again = await api.getTokenRevocationId(request).then(
      () => undefined,
      (error) => error,
    );
    if (!(again instanceof client.ResponseError) || again.response.status !== 400) {
      throw new Error(
        `revoking the token a second time did not fail with 400 (${again?.name ?? 'it resolved'})`,
      );
    }
    console.log('  typescript-fetch: revoking it again rejected with ResponseError 400');
  });
}

// ---------------------------------------------------------------------------------------------------

/** Revokes one token per 200 body with `revoke`, and asks the mock whether it did. */
async function revokeOnMock(name, revoke) {
  for (const successBody of SUCCESS_BODIES) {
    const digilocker = await startMockDigiLocker(successBody === undefined ? {} : { successBody });
    try {
      const { accessToken } = digilocker.issueTokens();
      const label = successBody === undefined ? "the mock's default empty 200" : `200 with ${successBody}`;
      console.log(`${name}: revoking a token on the mock DigiLocker (${label})`);
      await revoke(digilocker, accessToken);
      const { tokenRequests, revoked, invalidToken } = digilocker.stats;
      if (digilocker.isActive(accessToken)) throw new Error('the mock says the token is still active');
      if (
        tokenRequests !== 1 ||
        revoked !== 1 ||
        invalidToken !== 1 ||
        digilocker.revokeRequestsFor(accessToken) !== 2
      ) {
        throw new Error(`unexpected requests on the mock: ${JSON.stringify(digilocker.stats)}`);
      }
      console.log(`${name}: the mock says the token is revoked (1 token request, 2 revoke requests)`);
    } finally {
      await digilocker.close();
    }
  }
}
