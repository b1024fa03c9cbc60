// The contenders: each is a function `(token) => Promise<void>` that sends one revocation request,
// POST with the form body `token=...`, `Authorization: Basic ...`,
// `Content-Type: application/x-www-form-urlencoded` and `Accept: application/json`, waits for the whole
// response and rejects unless it is a 200. `checkRequests` (below) captures what each one really
// sends, so the table can say where a peer's request differs.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import { createRevocationClient, VERSION } from '../dist/index.js';

const REVOKE_PATH = '/oauth2/1/revoke';
const NODE_ENTRY = new URL('../dist/node/index.js', import.meta.url);
export const CREDENTIALS = { clientId: 'benchclient', clientSecret: 'benchsecret' };
const USER_AGENT = `digilocker-revocation/${VERSION}`;

/**
 * The contenders in table order. `create(baseUrl)` resolves with `{ call, close }`, or with
 * `{ skipped: reason }` when what it needs is not built yet.
 */
export const CONTENDERS = [
  { key: 'revoke', label: '`client.revoke` (default fetch)', create: createClientRevoke },
  { key: 'revokeNode', label: '`client.revoke` + `createNodeFetch()`', create: createClientRevokeNode },
  { key: 'fetch', label: 'raw `fetch` (baseline)', create: createRawFetch, baseline: true },
  { key: 'oauth4webapi', label: 'oauth4webapi `revocationRequest`', create: createOauth4webapi },
  { key: 'openidClient', label: 'openid-client `tokenRevocation`', create: createOpenidClient },
];

/** The headers every hand-written contender sends: what `client.revoke` sends. */
function requestHeaders() {
  const basic = Buffer.from(`${CREDENTIALS.clientId}:${CREDENTIALS.clientSecret}`).toString('base64');
  return {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
    Authorization: `Basic ${basic}`,
    'User-Agent': USER_AGENT,
  };
}

function formBody(token) {
  return `token=${encodeURIComponent(token)}`;
}

async function createClientRevoke(baseUrl) {
  const client = createRevocationClient({ baseUrl, credentials: CREDENTIALS });
  return {
    call: async (token) => {
      await client.revoke(token);
    },
    close() {},
    client,
  };
}

/** `createNodeFetch` from dist/node, or undefined while that entry is not built. */
export async function loadNodeFetch() {
  if (!existsSync(NODE_ENTRY)) return undefined;
  const module = await import(NODE_ENTRY.href);
  return module.createNodeFetch;
}

async function createClientRevokeNode(baseUrl) {
  const createNodeFetch = await loadNodeFetch();
  if (!createNodeFetch) return { skipped: 'dist/node/index.js is not built' };
  const nodeFetch = createNodeFetch();
  const client = createRevocationClient({ baseUrl, credentials: CREDENTIALS, fetch: nodeFetch });
  return {
    call: async (token) => {
      await client.revoke(token);
    },
    close: () => nodeFetch.close(),
    client,
  };
}

async function createRawFetch(baseUrl) {
  const url = `${baseUrl}${REVOKE_PATH}`;
  const headers = requestHeaders();
  return {
    call: async (token) => {
      const response = await fetch(url, { method: 'POST', headers, body: formBody(token) });
      await response.text();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    },
    close() {},
  };
}

async function createOauth4webapi(baseUrl) {
  const endpoint = `${baseUrl}${REVOKE_PATH}`;
  const as = { issuer: new URL(baseUrl).origin, revocation_endpoint: endpoint };
  const client = { client_id: CREDENTIALS.clientId };
  const clientAuth = oauth.ClientSecretBasic(CREDENTIALS.clientSecret);
  const options = { [oauth.allowInsecureRequests]: true, headers: { 'User-Agent': USER_AGENT } };
  return {
    // The documented use: the request, then the response check (which reads no body on a 200; ours
    // is empty, so nothing is left unread).
    call: async (token) => {
      const response = await oauth.revocationRequest(as, client, clientAuth, token, options);
      await oauth.processRevocationResponse(response);
    },
    close() {},
  };
}

async function createOpenidClient(baseUrl) {
  const endpoint = `${baseUrl}${REVOKE_PATH}`;
  const config = new openid.Configuration(
    { issuer: new URL(baseUrl).origin, revocation_endpoint: endpoint },
    CREDENTIALS.clientId,
    CREDENTIALS.clientSecret,
    openid.ClientSecretBasic(CREDENTIALS.clientSecret),
  );
  openid.allowInsecureRequests(config);
  return {
    call: async (token) => {
      await openid.tokenRevocation(config, token);
    },
    close() {},
  };
}

/**
 * Sends one request from each contender to a capturing server and describes how each request differs
 * from the baseline's (header names and values, body). Ignores `Host`, which only names the port.
 * Resolves with `{ [key]: string[] }`, an empty list meaning identical.
 */
export async function checkRequests(contenders) {
  const captured = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      captured.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: chunks.join(''),
      });
      response.writeHead(200, { 'Content-Length': '0' });
      response.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${server.address().port}/public`;
  const requests = {};
  try {
    for (const contender of contenders) {
      const instance = await contender.create(baseUrl);
      if (instance.skipped) continue;
      captured.length = 0;
      await instance.call('check-token-0001');
      await instance.close();
      requests[contender.key] = captured[0];
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  const baseline = requests[contenders.find((c) => c.baseline).key];
  const differences = {};
  for (const [key, request] of Object.entries(requests))
    differences[key] = describeDifference(baseline, request);
  return differences;
}

function describeDifference(baseline, request) {
  const notes = [];
  if (request.method !== baseline.method) notes.push(`method ${request.method}`);
  if (request.url !== baseline.url) notes.push(`path ${request.url}`);
  if (request.body !== baseline.body) notes.push(`body \`${request.body}\``);
  const names = new Set([...Object.keys(baseline.headers), ...Object.keys(request.headers)]);
  names.delete('host');
  for (const name of [...names].sort()) {
    const expected = baseline.headers[name];
    const actual = request.headers[name];
    if (expected === actual) continue;
    if (actual === undefined) notes.push(`no \`${name}\``);
    else if (expected === undefined) notes.push(`adds \`${name}: ${actual}\``);
    else notes.push(`\`${name}: ${actual}\``);
  }
  return notes;
}

/**
 * The hand-written promise pool that revokeMany is measured against: `concurrency` workers pulling
 * tokens from one shared iterator and calling `call`. No fingerprints, no outcomes, no input checks.
 */
export async function handWrittenPool(call, tokens, concurrency) {
  const iterator = tokens[Symbol.iterator]();
  let sent = 0;
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      await call(next.value);
      sent++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sent;
}

/** Drains `client.revokeMany`; rejects on the first failed outcome. Resolves with the outcomes seen. */
export async function drainRevokeMany(client, tokens, concurrency) {
  let seen = 0;
  for await (const outcome of client.revokeMany(tokens, { concurrency })) {
    if (!outcome.ok) throw outcome.error;
    seen++;
  }
  return seen;
}
