// Where the Node transport's time goes: the same requests through successive layers, interleaved
// rounds, client CPU per request and throughput (medians). An experiment driver, not part of `bench`:
//   node --expose-gc bench/layers.mjs [concurrency] [requests] [rounds]   (LAYERS=a,b picks some)
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { createRevocationClient } from '../dist/index.js';
import { CONTENDERS, CREDENTIALS, loadNodeTransport } from './contenders.mjs';
import { collectGarbage, makeTokens, median, runRequests } from './measure.mjs';
import { startServer } from './server.mjs';

const ROOT = join(import.meta.dirname, '..');
const [c = '64', n = '10000', r = '5'] = process.argv.slice(2);
const concurrency = Number(c);
const requests = Number(n);
const rounds = Number(r);
const server = await startServer();
const baseUrl = `http://127.0.0.1:${server.port}/public`;
const url = `${baseUrl}/oauth2/1/revoke`;
const basic = `Basic ${Buffer.from(`${CREDENTIALS.clientId}:${CREDENTIALS.clientSecret}`).toString('base64')}`;
const headers = {
  'content-type': 'application/x-www-form-urlencoded',
  accept: 'application/json',
  authorization: basic,
};
const body = (token) => `token=${token}&token_type_hint=access_token`;
const createNodeTransport = await loadNodeTransport();
// The internal layers, bundled from src/ for this run (esbuild, as tsup uses).
const libFile = join(mkdtempSync(join(tmpdir(), 'layers-')), 'lib.mjs');
execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
  join(ROOT, 'bench/layers-lib.ts'),
  '--bundle',
  '--platform=node',
  '--format=esm',
  `--outfile=${libFile}`,
  '--external:undici',
  '--log-level=warning',
]);
const lib = await import(libFile);
const formHeaders = { authorization: basic };
const formBody = (token) => ({ token, token_type_hint: 'access_token' });

const variants = {
  // The ceiling, exactly as `npm run bench` measures it.
  async http() {
    return (await CONTENDERS.find((contender) => contender.key === 'http').create(baseUrl)).call;
  },
  undici() {
    const pool = new Pool(new URL(url).origin, { connections: 64 });
    const path = new URL(url).pathname;
    return async (token) => {
      const res = await pool.request({ path, method: 'POST', headers, body: body(token) });
      for await (const _ of res.body);
    };
  },
  undiciSignal() {
    const pool = new Pool(new URL(url).origin, { connections: 64 });
    const path = new URL(url).pathname;
    return async (token) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 10000);
      const res = await pool.request({
        path,
        method: 'POST',
        headers,
        body: body(token),
        signal: controller.signal,
      });
      for await (const _ of res.body);
      clearTimeout(timer);
    };
  },
  transport() {
    const transport = createNodeTransport();
    return async (token) => {
      const res = await transport(url, { method: 'POST', headers, body: body(token) });
      if (res.status !== 200) throw new Error(String(res.status));
    };
  },
  transportSignal() {
    const transport = createNodeTransport();
    return async (token) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 10000);
      const res = await transport(url, {
        method: 'POST',
        headers,
        body: body(token),
        signal: controller.signal,
      });
      clearTimeout(timer);
      if (res.status !== 200) throw new Error(String(res.status));
    };
  },
  transportTimer() {
    const transport = createNodeTransport();
    return async (token) => {
      const timer = setTimeout(() => {}, 10000);
      const res = await transport(url, { method: 'POST', headers, body: body(token) });
      clearTimeout(timer);
      if (res.status !== 200) throw new Error(String(res.status));
    };
  },
  transportController() {
    const transport = createNodeTransport();
    return async (token) => {
      const controller = new AbortController();
      const res = await transport(url, {
        method: 'POST',
        headers,
        body: body(token),
        signal: controller.signal,
      });
      if (res.status !== 200) throw new Error(String(res.status));
    };
  },
  transportHeaders() {
    const transport = createNodeTransport();
    return async (token) => {
      const res = await transport(url, { method: 'POST', headers: new Headers(headers), body: body(token) });
      if (res.status !== 200) throw new Error(String(res.status));
    };
  },
  openapiFetch() {
    const raw = lib.createAttemptClient(baseUrl, createNodeTransport());
    return async (token) => {
      const { response } = await lib.postRevocation(raw, {
        body: formBody(token),
        encoding: 'form',
        headers: formHeaders,
      });
      if (response.status !== 200) throw new Error(String(response.status));
    };
  },
  raced() {
    const raw = lib.createAttemptClient(baseUrl, createNodeTransport());
    return async (token) => {
      const { response } = await lib.raceWithDeadline(
        (signal) =>
          lib.postRevocation(raw, { body: formBody(token), encoding: 'form', headers: formHeaders, signal }),
        { timeoutMs: 10000 },
      );
      if (response.status !== 200) throw new Error(String(response.status));
    };
  },
  sendAttempt() {
    const raw = lib.createAttemptClient(baseUrl, createNodeTransport());
    return async (token) => {
      const r = await lib.sendAttempt({
        raw,
        body: formBody(token),
        encoding: 'form',
        headers: formHeaders,
        timeoutMs: 10000,
        signal: undefined,
        ownDeadline: true,
        attempt: 1,
      });
      if (r.status !== 200) throw new Error(String(r.status));
    };
  },
  revokeBundled() {
    const client = lib.createRevocationClient({
      baseUrl,
      credentials: CREDENTIALS,
      fetch: createNodeTransport(),
    });
    return (token) => client.revoke(token);
  },
  // The client over global fetch: run beside revokeNode, it shows what sharing one process costs.
  revokeGlobal() {
    const client = createRevocationClient({ baseUrl, credentials: CREDENTIALS });
    return (token) => client.revoke(token);
  },
  revokeNode() {
    const client = createRevocationClient({
      baseUrl,
      credentials: CREDENTIALS,
      fetch: createNodeTransport(),
    });
    return (token) => client.revoke(token);
  },
};
const only = process.env.LAYERS?.split(',');
const keys = Object.keys(variants).filter((k) => !only || only.includes(k));
const calls = Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await variants[k]()])));
const tokens = makeTokens(4096);
const results = Object.fromEntries(keys.map((k) => [k, []]));
for (const k of keys) await runRequests(calls[k], { requests: 2000, concurrency, tokens });
for (let round = 0; round < rounds; round++)
  for (const k of keys) {
    collectGarbage();
    const run = await runRequests(calls[k], { requests, concurrency, tokens });
    results[k].push({ cpu: run.cpuMicros / run.requests, rps: run.requests / (run.elapsedNs / 1e9) });
  }
const base = results.http;
for (const k of keys) {
  const cpu = median(results[k].map((x) => x.cpu));
  const rps = median(results[k].map((x) => x.rps));
  const ratio = median(results[k].map((x, i) => x.rps / (base ? base[i].rps : x.rps)));
  console.log(
    `${k.padEnd(14)} cpu ${cpu.toFixed(0).padStart(5)} µs/req  ${rps.toFixed(0).padStart(6)} req/s  vs http ${ratio.toFixed(2)}`,
  );
}
await server.close();
process.exit(0);
