// The outbox's benchmark (digilocker-revocation/outbox), on the embedded store (PGlite in a
// temporary directory) and on PostgreSQL (BENCH_DATABASE_URL or DIGILOCKER_TEST_DATABASE_URL; skipped
// with a note without one):
// - enqueue latency, one sign-out at a time (p50, p99), and enqueue throughput with 16 callers;
// - drain throughput against `revokeMany` at the same concurrency, on the same server and transport,
//   in interleaved rounds (median): sign-outs of one refresh token, so that both send one request each;
//   with a server that answers at once, and with one that takes LATENCY_MS (DigiLocker's own time);
// - this process's CPU per drained job against per `revokeMany` token (the embedded store's database
//   runs in this process; a PostgreSQL server's CPU is its own);
// - enqueue latency (p50, p99) while 3 workers drain a backlog from the slow server;
// - the embedded store's fsync cost: enqueue latency with fsync (the default) against
//   `store.unsafeSkipFsync`, two stores side by side, in interleaved rounds.
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
/** How long the slow server takes to answer: DigiLocker's latency, as the figures take it. */
export const LATENCY_MS = 50;
/** Jobs per round against the slow server (each round takes jobs / CONCURRENCY x LATENCY_MS at best). */
const SLOW_JOBS = 400;

/** Measures every store available; resolves with the figures (see formatOutboxReport). */
export async function measureOutbox({ baseUrl, slowBaseUrl, smoke = false, log = () => {} }) {
  const jobs = smoke ? 200 : Number(process.env.BENCH_OUTBOX_JOBS || 2000);
  const rounds = smoke ? 1 : Number(process.env.BENCH_OUTBOX_ROUNDS || 3);
  const databaseUrl = process.env.BENCH_DATABASE_URL || process.env.DIGILOCKER_TEST_DATABASE_URL;
  const stores = (process.env.BENCH_OUTBOX_STORES || 'embedded,postgres').split(',');
  const results = { jobs, rounds, concurrency: CONCURRENCY, stores: {} };
  if (stores.includes('embedded')) {
    const directory = mkdtempSync(join(tmpdir(), 'digilocker-outbox-bench-'));
    try {
      results.stores.embedded = await measureStore(
        { directory },
        { baseUrl, slowBaseUrl, jobs, rounds, log },
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    results.fsync = await measureFsyncCost(smoke ? 100 : 500, log);
  }
  if (!stores.includes('postgres')) return results;
  if (databaseUrl) {
    const schema = `bench_${Date.now().toString(36)}`;
    results.stores.postgres = await measureStore(
      { connectionString: databaseUrl },
      { baseUrl, slowBaseUrl, jobs, rounds, log, schema },
    );
    await dropSchema(databaseUrl, schema);
  } else {
    results.stores.postgres = {
      skipped: 'no PostgreSQL: set BENCH_DATABASE_URL (scripts/start-postgres.sh)',
    };
  }
  return results;
}

async function measureStore(store, { baseUrl, slowBaseUrl, jobs, rounds, log, schema }) {
  const encryptionKeys = [generateEncryptionKey()];
  const open = (url, concurrency = CONCURRENCY) => {
    const fetch = createNodeFetch({ connections: concurrency });
    const client = createRevocationClient({ baseUrl: url, credentials: CREDENTIALS, fetch });
    const options = { client, store, encryptionKeys, concurrency, pollIntervalMs: 100 };
    if (schema) options.schema = schema;
    return { client, fetch, options };
  };
  const fast = open(baseUrl);
  const openedAt = performance.now();
  let outbox = await openRevocationOutbox(fast.options);
  const firstOpenMs = performance.now() - openedAt;
  await outbox.close();
  const reopenedAt = performance.now();
  outbox = await openRevocationOutbox(fast.options);
  const reopenMs = performance.now() - reopenedAt;
  let figures;
  try {
    const latencies = await enqueueOneByOne(outbox, Math.min(jobs, 500));
    const throughput = await enqueueConcurrently(outbox, jobs, 16);
    await outbox.drain();
    const atOnce = await compareDrain(outbox, fast.client, jobs, rounds, 'fast');
    figures = {
      firstOpenMs: Math.round(firstOpenMs),
      reopenMs: Math.round(reopenMs),
      enqueueP50Ms: round2(percentile(latencies, 50)),
      enqueueP99Ms: round2(percentile(latencies, 99)),
      enqueuePerSecond: Math.round(throughput),
      ...atOnce,
    };
  } finally {
    await outbox.close();
    await fast.fetch.close();
  }
  if (slowBaseUrl) Object.assign(figures, await measureSlow(open, slowBaseUrl, jobs, rounds));
  log(`outbox ${'directory' in store ? 'embedded' : 'postgres'}: ${JSON.stringify(figures)}`);
  return figures;
}

/** Drain against the server that takes LATENCY_MS, and enqueue latency while 3 workers drain there. */
async function measureSlow(open, slowBaseUrl, jobs, rounds) {
  const count = Math.min(jobs, SLOW_JOBS);
  const slow = open(slowBaseUrl);
  let outbox = await openRevocationOutbox(slow.options);
  let figures;
  try {
    const slowRound = await compareDrain(outbox, slow.client, count, rounds, 'slow');
    figures = Object.fromEntries(Object.entries(slowRound).map(([key, value]) => [`${key}AtLatency`, value]));
  } finally {
    await outbox.close();
    await slow.fetch.close();
  }
  const three = open(slowBaseUrl, 3);
  outbox = await openRevocationOutbox(three.options);
  try {
    const latencies = await enqueueWhileDraining(outbox, count);
    figures.enqueueP50MsWhileDraining = round2(percentile(latencies, 50));
    figures.enqueueP99MsWhileDraining = round2(percentile(latencies, 99));
  } finally {
    await outbox.close();
    await three.fetch.close();
  }
  return figures;
}

/**
 * Enqueue latency one sign-out at a time on two embedded stores open side by side, one with fsync
 * (the default: a resolved enqueue is on disk) and one with `unsafeSkipFsync`, in interleaved rounds.
 */
async function measureFsyncCost(count, log) {
  const encryptionKeys = [generateEncryptionKey()];
  const directories = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'digilocker-outbox-fsync-')));
  const outboxes = [];
  try {
    for (const [index, directory] of directories.entries())
      outboxes.push(
        await openRevocationOutbox({
          store: { directory, unsafeSkipFsync: index === 1 },
          encryptionKeys,
        }),
      );
    const [synced, unsynced] = [[], []];
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      const per = Math.ceil(count / rounds);
      synced.push(...(await enqueueOneByOne(outboxes[0], per, `fsync-${round}`)));
      unsynced.push(...(await enqueueOneByOne(outboxes[1], per, `no-fsync-${round}`)));
    }
    const figures = {
      enqueueP50Ms: round2(percentile(synced, 50)),
      enqueueP99Ms: round2(percentile(synced, 99)),
      unsafeSkipFsyncP50Ms: round2(percentile(unsynced, 50)),
      unsafeSkipFsyncP99Ms: round2(percentile(unsynced, 99)),
      fsyncCostP50: round2(percentile(synced, 50) / percentile(unsynced, 50)),
    };
    log(`outbox fsync: ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    for (const outbox of outboxes) await outbox.close();
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  }
}

/** Interleaved rounds of revokeMany and drain on `count` tokens: throughput and CPU, medians. */
async function compareDrain(outbox, client, count, rounds, label) {
  const drain = [];
  const revokeMany = [];
  for (let round = 0; round < rounds; round++) {
    revokeMany.push(await timeRevokeMany(client, count, `${label}-${round}`));
    drain.push(await timeDrain(outbox, count, `${label}-${round}`));
  }
  const perSecond = (runs) => median(runs.map((run) => run.perSecond));
  const cpu = (runs) => median(runs.map((run) => run.cpuMicrosPerToken));
  return {
    drainPerSecond: Math.round(perSecond(drain)),
    revokeManyPerSecond: Math.round(perSecond(revokeMany)),
    drainVsRevokeMany: round2(perSecond(drain) / perSecond(revokeMany)),
    drainCpuMicrosPerJob: Math.round(cpu(drain)),
    revokeManyCpuMicrosPerToken: Math.round(cpu(revokeMany)),
    drainCpuVsRevokeMany: round2(cpu(drain) / cpu(revokeMany)),
  };
}

/**
 * Enqueue latency, one sign-out at a time, while the workers (3 slots) drain a backlog of `count`
 * jobs from the slow server: what a request handler waits while its instance also drains.
 */
async function enqueueWhileDraining(outbox, count) {
  const backlog = makeTokens(count, 'backlog');
  await outbox.enqueueBatch(backlog.map((refreshToken) => ({ refreshToken })));
  const draining = outbox.drain();
  const latencies = await enqueueOneByOne(outbox, Math.min(count, 200), 'while-draining');
  await draining;
  await outbox.drain();
  return latencies;
}

async function enqueueOneByOne(outbox, count, label = 'enqueue-one') {
  const tokens = makeTokens(count, label);
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
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  await drainRevokeMany(client, tokens, CONCURRENCY);
  return rates(count, startedAt, cpuBefore);
}

/** Per second and CPU microseconds (user + system, this process) per token, since the marks. */
function rates(count, startedAt, cpuBefore) {
  const cpu = process.cpuUsage(cpuBefore);
  return {
    perSecond: count / ((performance.now() - startedAt) / 1000),
    cpuMicrosPerToken: (cpu.user + cpu.system) / count,
  };
}

/** Queues `count` sign-outs (in batches, not timed), then times drain() until the queue is empty. */
async function timeDrain(outbox, count, round) {
  const tokens = makeTokens(count, `drain-${round}`);
  for (let start = 0; start < count; start += 1000)
    await outbox.enqueueBatch(tokens.slice(start, start + 1000).map((refreshToken) => ({ refreshToken })));
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const stats = await outbox.drain();
  const result = rates(count, startedAt, cpuBefore);
  if (stats.queued + stats.retrying + stats.dead > 0)
    throw new Error(`drain left jobs: ${JSON.stringify(stats)}`);
  return result;
}

async function dropSchema(connectionString, schema) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString, max: 1 });
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
}

const round2 = (value) => Math.round(value * 100) / 100;

/** The figures as Markdown tables, for docs/performance.md. */
export function formatOutboxReport(results) {
  const stores = Object.entries(results.stores);
  const row = (name, figures, keys) =>
    figures.skipped
      ? `| ${name} | ${figures.skipped} |`
      : `| ${name} | ${keys.map((key) => figures[key] ?? '-').join(' | ')} |`;
  const drainColumns = (suffix) =>
    [
      'drainPerSecond',
      'revokeManyPerSecond',
      'drainVsRevokeMany',
      'drainCpuMicrosPerJob',
      'revokeManyCpuMicrosPerToken',
      'drainCpuVsRevokeMany',
    ].map((key) => `${key}${suffix}`);
  const drainHeader =
    '| Store | drain jobs/s | `revokeMany` tokens/s | drain × `revokeMany` | CPU µs/job (drain) | CPU µs/token (`revokeMany`) | CPU × |\n|---|--:|--:|--:|--:|--:|--:|';
  return [
    `**Outbox** (sign-outs of one refresh token, concurrency ${results.concurrency}, ${results.rounds} round(s), median)`,
    '',
    '| Store | first open ms | reopen ms | enqueue p50 ms | enqueue p99 ms | enqueue/s (16 callers) | enqueue p50 / p99 ms while 3 workers drain |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...stores.map(([name, f]) =>
      f.skipped
        ? `| ${name} | ${f.skipped} |`
        : `| ${name} | ${f.firstOpenMs} | ${f.reopenMs} | ${f.enqueueP50Ms} | ${f.enqueueP99Ms} | ${f.enqueuePerSecond} | ${f.enqueueP50MsWhileDraining ?? '-'} / ${f.enqueueP99MsWhileDraining ?? '-'} |`,
    ),
    '',
    `Drain, DigiLocker answering at once (${results.jobs} jobs a round):`,
    '',
    drainHeader,
    ...stores.map(([name, f]) => row(name, f, drainColumns(''))),
    '',
    `Drain, DigiLocker answering in ${LATENCY_MS} ms (${Math.min(results.jobs, SLOW_JOBS)} jobs a round):`,
    '',
    drainHeader,
    ...stores.map(([name, f]) => row(name, f, drainColumns('AtLatency'))),
    ...(results.fsync
      ? [
          '',
          "The embedded store's fsync cost (enqueue one at a time, two stores side by side, interleaved):",
          '',
          '| fsync (default) p50 / p99 ms | `unsafeSkipFsync` p50 / p99 ms | cost × (p50) |',
          '|--:|--:|--:|',
          `| ${results.fsync.enqueueP50Ms} / ${results.fsync.enqueueP99Ms} | ${results.fsync.unsafeSkipFsyncP50Ms} / ${results.fsync.unsafeSkipFsyncP99Ms} | ${results.fsync.fsyncCostP50} |`,
        ]
      : []),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startServer } = await import('./server.mjs');
  const server = await startServer();
  const slowServer = await startServer({ latencyMs: LATENCY_MS });
  try {
    const results = await measureOutbox({
      baseUrl: `http://127.0.0.1:${server.port}/public`,
      slowBaseUrl: `http://127.0.0.1:${slowServer.port}/public`,
      smoke: process.argv.includes('--smoke'),
      log: (message) => process.stderr.write(`${message}\n`),
    });
    console.log(formatOutboxReport(results));
  } finally {
    await server.close();
    await slowServer.close();
  }
}
