// The outbox's benchmark (digilocker-revocation/outbox), on the embedded store (PGlite in a
// temporary directory) and on PostgreSQL (BENCH_DATABASE_URL or DIGILOCKER_TEST_DATABASE_URL; skipped
// with a note without one):
// - enqueue latency, one sign-out at a time (p50, p99), and enqueue throughput with 16 callers;
// - drain throughput against `revokeMany` at the same concurrency, on the same server and transport,
//   in interleaved rounds (median): sign-outs of one refresh token, so that both send one request each.
// Run alone: `npm run build && node bench/outbox.mjs [--smoke]` (starts bench/server.mjs); `bench/run.mjs`
// calls measureOutbox(). Environment: BENCH_OUTBOX_JOBS (2000), BENCH_OUTBOX_ROUNDS (3),
// BENCH_OUTBOX_STORES (`embedded,postgres`: the stores to measure, e.g. `postgres` for a quick A/B).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRevocationClient } from '../dist/index.js';
import { createNodeFetch } from '../dist/node/index.js';
import { generateEncryptionKey, openRevocationOutbox } from '../dist/outbox/index.js';
import { CREDENTIALS, drainRevokeMany } from './contenders.mjs';
import { makeTokens, median, percentile } from './measure.mjs';

const CONCURRENCY = 8;

/** Measures every store available; resolves with the figures (see formatOutboxReport). */
export async function measureOutbox({ baseUrl, smoke = false, log = () => {} }) {
  const jobs = smoke ? 200 : Number(process.env.BENCH_OUTBOX_JOBS || 2000);
  const rounds = smoke ? 1 : Number(process.env.BENCH_OUTBOX_ROUNDS || 3);
  const databaseUrl = process.env.BENCH_DATABASE_URL || process.env.DIGILOCKER_TEST_DATABASE_URL;
  const stores = (process.env.BENCH_OUTBOX_STORES || 'embedded,postgres').split(',');
  const results = { jobs, rounds, concurrency: CONCURRENCY, stores: {} };
  if (stores.includes('embedded')) {
    const directory = mkdtempSync(join(tmpdir(), 'digilocker-outbox-bench-'));
    try {
      results.stores.embedded = await measureStore({ directory }, { baseUrl, jobs, rounds, log });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
  if (!stores.includes('postgres')) return results;
  if (databaseUrl) {
    const schema = `bench_${Date.now().toString(36)}`;
    results.stores.postgres = await measureStore(
      { connectionString: databaseUrl },
      { baseUrl, jobs, rounds, log, schema },
    );
    await dropSchema(databaseUrl, schema);
  } else {
    results.stores.postgres = {
      skipped: 'no PostgreSQL: set BENCH_DATABASE_URL (scripts/start-postgres.sh)',
    };
  }
  return results;
}

async function measureStore(store, { baseUrl, jobs, rounds, log, schema }) {
  const transport = createNodeFetch({ connections: CONCURRENCY });
  const client = createRevocationClient({ baseUrl, credentials: CREDENTIALS, fetch: transport });
  const options = {
    client,
    store,
    encryptionKeys: [generateEncryptionKey()],
    concurrency: CONCURRENCY,
    pollIntervalMs: 100,
  };
  if (schema) options.schema = schema;
  const openedAt = performance.now();
  let outbox = await openRevocationOutbox(options);
  const firstOpenMs = performance.now() - openedAt;
  await outbox.close();
  const reopenedAt = performance.now();
  outbox = await openRevocationOutbox(options);
  const reopenMs = performance.now() - reopenedAt;
  try {
    const latencies = await enqueueOneByOne(outbox, Math.min(jobs, 500));
    const throughput = await enqueueConcurrently(outbox, jobs, 16);
    await outbox.drain();
    const drain = [];
    const revokeMany = [];
    for (let round = 0; round < rounds; round++) {
      revokeMany.push(await timeRevokeMany(client, jobs, round));
      drain.push(await timeDrain(outbox, jobs, round));
    }
    const figures = {
      firstOpenMs: Math.round(firstOpenMs),
      reopenMs: Math.round(reopenMs),
      enqueueP50Ms: round2(percentile(latencies, 50)),
      enqueueP99Ms: round2(percentile(latencies, 99)),
      enqueuePerSecond: Math.round(throughput),
      drainPerSecond: Math.round(median(drain)),
      revokeManyPerSecond: Math.round(median(revokeMany)),
      drainVsRevokeMany: round2(median(drain) / median(revokeMany)),
    };
    log(`outbox ${'directory' in store ? 'embedded' : 'postgres'}: ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    await outbox.close();
    await transport.close();
  }
}

async function enqueueOneByOne(outbox, count) {
  const tokens = makeTokens(count, 'enqueue-one');
  const latencies = [];
  for (const refreshToken of tokens) {
    const startedAt = performance.now();
    await outbox.enqueue({ refreshToken });
    latencies.push(performance.now() - startedAt);
  }
  return latencies;
}

/** Sign-outs queued per second by `callers` concurrent callers (request handlers), each awaiting its own. */
async function enqueueConcurrently(outbox, count, callers) {
  const tokens = makeTokens(count, 'enqueue-many');
  let next = 0;
  const caller = async () => {
    while (next < count) await outbox.enqueue({ refreshToken: tokens[next++] });
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: callers }, caller));
  return count / ((performance.now() - startedAt) / 1000);
}

async function timeRevokeMany(client, count, round) {
  const tokens = makeTokens(count, `revoke-many-${round}`);
  const startedAt = performance.now();
  await drainRevokeMany(client, tokens, CONCURRENCY);
  return count / ((performance.now() - startedAt) / 1000);
}

/** Queues `count` sign-outs (in batches, not timed), then times drain() until the queue is empty. */
async function timeDrain(outbox, count, round) {
  const tokens = makeTokens(count, `drain-${round}`);
  for (let start = 0; start < count; start += 1000)
    await outbox.enqueueBatch(tokens.slice(start, start + 1000).map((refreshToken) => ({ refreshToken })));
  const startedAt = performance.now();
  const stats = await outbox.drain();
  const perSecond = count / ((performance.now() - startedAt) / 1000);
  if (stats.queued + stats.retrying + stats.dead > 0)
    throw new Error(`drain left jobs: ${JSON.stringify(stats)}`);
  return perSecond;
}

async function dropSchema(connectionString, schema) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString, max: 1 });
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
}

const round2 = (value) => Math.round(value * 100) / 100;

/** The figures as a Markdown table, for docs/performance.md. */
export function formatOutboxReport(results) {
  const lines = [
    `**Outbox** (${results.jobs} sign-outs of one refresh token per round, concurrency ${results.concurrency}, ${results.rounds} round(s), median)`,
    '',
    '| Store | first open ms | reopen ms | enqueue p50 ms | enqueue p99 ms | enqueue/s (16 callers) | drain jobs/s | `revokeMany` tokens/s | drain × `revokeMany` |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const [name, figures] of Object.entries(results.stores)) {
    if (figures.skipped) lines.push(`| ${name} | ${figures.skipped} |`);
    else
      lines.push(
        `| ${name} | ${figures.firstOpenMs} | ${figures.reopenMs} | ${figures.enqueueP50Ms} | ${figures.enqueueP99Ms} | ${figures.enqueuePerSecond} | ${figures.drainPerSecond} | ${figures.revokeManyPerSecond} | ${figures.drainVsRevokeMany} |`,
      );
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startServer } = await import('./server.mjs');
  const server = await startServer();
  try {
    const results = await measureOutbox({
      baseUrl: `http://127.0.0.1:${server.port}/public`,
      smoke: process.argv.includes('--smoke'),
      log: (message) => process.stderr.write(`${message}\n`),
    });
    console.log(formatOutboxReport(results));
  } finally {
    await server.close();
  }
}
