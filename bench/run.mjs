// `npm run bench` (full run, writes bench/results/latest.json) and `npm run bench:smoke` (`--smoke`: a
// few hundred requests to prove the harness works, writes bench/results/smoke.json, asserts nothing).
//
// Environment: BENCH_REQUESTS ("2000,6000": requests per run at c=1 and c=64, or one number for
// both), BENCH_ROUNDS (5), BENCH_POOL_TOKENS (20000), BENCH_POOL_ROUNDS (3),
// BENCH_CLI_TOKENS (1000000, the CLI's memory run; 0 skips the CLI), BENCH_CLI_ROUND_TOKENS (200000)
// and BENCH_CLI_ROUNDS (3) for the CLI's interleaved rounds, BENCH_OUTPUT (where the JSON goes instead of
// bench/results/latest.json). The defaults take 8 to 10 minutes on 2 busy cores.
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRevocationClient } from '../dist/index.js';
import { cliIsBuilt, revokeManyOverFile, runCli, writeTokenFile } from './cli-run.mjs';
import {
  CONTENDERS,
  CREDENTIALS,
  checkRequests,
  drainRevokeMany,
  handWrittenPool,
  loadNodeFetch,
} from './contenders.mjs';
import {
  interleave,
  makeTokens,
  median,
  roundNoise,
  roundRatio,
  runRequests,
  summarize,
} from './measure.mjs';
import { formatOutboxReport, LATENCY_MS, measureOutbox } from './outbox.mjs';
import { checkTargets, formatReport, writeResults } from './report.mjs';
import { startServer } from './server.mjs';
import { formatTracingReport, measureTracingOverhead } from './tracing.mjs';

const smoke = process.argv.includes('--smoke');
const settings = readSettings();
const log = (message) => process.stderr.write(`${message}\n`);

const server = await startServer();
const baseUrl = `http://127.0.0.1:${server.port}/public`;
try {
  const results = {
    meta: describeMachine(),
    requestDifferences: await checkRequests(CONTENDERS),
    single: {},
    revokeMany: {},
    cli: {},
  };
  results.single['1'] = await timed('c=1', () => compareSingleRequests(1, settings.requests.c1));
  results.single['64'] = await timed('c=64', () => compareSingleRequests(64, settings.requests.c64));
  for (const concurrency of [8, 64]) {
    results.revokeMany[concurrency] = await timed(`revokeMany c=${concurrency}`, () =>
      compareRevokeMany(concurrency),
    );
  }
  results.cli = await timed('CLI', measureCli);
  // The outbox (bench/outbox.mjs): embedded store, and PostgreSQL when BENCH_DATABASE_URL or
  // DIGILOCKER_TEST_DATABASE_URL is set. BENCH_OUTBOX=0 skips it.
  if (process.env.BENCH_OUTBOX !== '0')
    results.outbox = await timed('outbox', async () => {
      // A second server that answers in LATENCY_MS, as DigiLocker does from afar, for the drain figures.
      const slowServer = await startServer({ latencyMs: LATENCY_MS });
      try {
        const slowBaseUrl = `http://127.0.0.1:${slowServer.port}/public`;
        return await measureOutbox({ baseUrl, slowBaseUrl, smoke, log });
      } finally {
        await slowServer.close();
      }
    });
  // Last: it registers an OpenTelemetry SDK globally for the rest of the process.
  results.tracing = await timed('tracing', () => measureTracingOverhead({ baseUrl, smoke, log }));
  results.targets = checkTargets(results);

  // BENCH_OUTPUT (a path) keeps experiment runs out of bench/results/latest.json.
  const output =
    process.env.BENCH_OUTPUT ||
    fileURLToPath(new URL(`results/${smoke ? 'smoke' : 'latest'}.json`, import.meta.url));
  await writeResults(output, results);
  console.log(formatReport(results, CONTENDERS));
  if (results.outbox) console.log(`\n${formatOutboxReport(results.outbox)}`);
  console.log(`\n${formatTracingReport(results.tracing)}`);
  log(`Figures written to ${output}`);
} finally {
  await server.close();
}

async function timed(section, work) {
  const startedAt = Date.now();
  const result = await work();
  log(`${section}: ${Math.round((Date.now() - startedAt) / 1000)} s`);
  return result;
}

function readSettings() {
  const number = (name, fallback) => {
    const value = process.env[name];
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) throw new RangeError(`${name} must be a whole number`);
    return parsed;
  };
  if (smoke) {
    return {
      requests: { c1: 20, c64: 64 },
      rounds: 1,
      poolTokens: 100,
      poolRounds: 1,
      cliTokens: 2_000,
      cliRoundTokens: 1_000,
      cliRounds: 1,
    };
  }
  const [c1, c64 = c1] = (process.env.BENCH_REQUESTS || '2000,6000').split(',').map(Number);
  if (!(c1 > 0 && c64 > 0)) throw new RangeError('BENCH_REQUESTS must be "N" or "N1,N64"');
  return {
    requests: { c1, c64 },
    rounds: Math.max(3, number('BENCH_ROUNDS', 5)),
    poolTokens: number('BENCH_POOL_TOKENS', 20_000),
    poolRounds: Math.max(3, number('BENCH_POOL_ROUNDS', 3)),
    cliTokens: number('BENCH_CLI_TOKENS', 1_000_000),
    cliRoundTokens: number('BENCH_CLI_ROUND_TOKENS', 200_000),
    cliRounds: Math.max(3, number('BENCH_CLI_ROUNDS', 3)),
  };
}

function describeMachine() {
  return {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    platform: `${process.platform} ${process.arch}`,
    smoke,
    gc: typeof globalThis.gc === 'function',
    rounds: settings.rounds,
    requests: settings.requests,
    poolTokens: settings.poolTokens,
    poolRounds: settings.poolRounds,
    cliTokens: settings.cliTokens,
    cliRoundTokens: settings.cliRoundTokens,
    cliRounds: settings.cliRounds,
  };
}

/** Every contender at one concurrency: warm-up, then interleaved rounds of `requests` requests. */
async function compareSingleRequests(concurrency, requests) {
  const tokens = makeTokens(Math.min(requests, 4096));
  const figures = {};
  const ready = [];
  for (const contender of CONTENDERS) {
    const instance = await contender.create(baseUrl);
    if (instance.skipped) {
      figures[contender.key] = { skipped: instance.skipped };
      continue;
    }
    ready.push({ ...contender, instance });
  }
  const warmupRequests = smoke ? 5 : Math.min(requests, Math.max(500, Math.round(requests / 5)));
  const runs = await interleave(ready, {
    rounds: settings.rounds,
    warmup: async (contender) => {
      try {
        await runRequests(contender.instance.call, { requests: warmupRequests, concurrency, tokens });
        return true;
      } catch (error) {
        figures[contender.key] = { failed: String(error?.message ?? error).slice(0, 200) };
        log(`c=${concurrency} ${contender.key} failed in warm-up: ${error?.stack ?? error}`);
        return false;
      }
    },
    run: async (contender) => {
      const before = await server.stats();
      const result = await runRequests(contender.instance.call, { requests, concurrency, tokens });
      const after = await server.stats();
      return { ...result, serverCpuMicros: after.cpuMicros - before.cpuMicros };
    },
    onRun: (contender, round, result) =>
      log(
        `c=${concurrency} round ${round + 1}/${settings.rounds} ${contender.key.padEnd(12)} ` +
          `${Math.round(result.requests / (result.elapsedNs / 1e9))} req/s`,
      ),
  });
  for (const contender of ready) await contender.instance.close();
  Object.assign(figures, summarize(runs, 'fetch'));
  return {
    contenders: figures,
    ratios: {
      revokeVsOauth4webapi: roundRatio(runs, 'revoke', 'oauth4webapi', 'perSecond'),
      revokeVsOpenidClient: roundRatio(runs, 'revoke', 'openidClient', 'perSecond'),
      revokeNodeVsRevoke: roundRatio(runs, 'revokeNode', 'revoke', 'perSecond'),
    },
    noise: roundNoise(runs, 'fetch'),
  };
}

/** revokeMany against a hand-written pool over raw fetch, interleaved, over the same tokens. */
async function compareRevokeMany(concurrency) {
  const tokens = makeTokens(settings.poolTokens, 'many');
  const client = createRevocationClient({ baseUrl, credentials: CREDENTIALS });
  const rawFetch = await CONTENDERS.find((c) => c.key === 'fetch').create(baseUrl);
  const sides = [
    { key: 'revokeMany', drain: () => drainRevokeMany(client, tokens, concurrency) },
    { key: 'pool', drain: () => handWrittenPool(rawFetch.call, tokens, concurrency) },
  ];
  const timed = async (side) => {
    const cpuBefore = process.cpuUsage();
    const startedAt = process.hrtime.bigint();
    const requests = await side.drain();
    const elapsedNs = Number(process.hrtime.bigint() - startedAt);
    const cpu = process.cpuUsage(cpuBefore);
    return { requests, elapsedNs, cpuMicros: cpu.user + cpu.system };
  };
  const runs = await interleave(sides, {
    rounds: settings.poolRounds,
    // Each side's warm-up: a tenth of the tokens.
    warmup: async (side) => {
      const warmupTokens = tokens.slice(0, Math.max(50, tokens.length / 10));
      if (side.key === 'pool') await handWrittenPool(rawFetch.call, warmupTokens, concurrency);
      else await drainRevokeMany(client, warmupTokens, concurrency);
    },
    run: timed,
    onRun: (side, round, result) =>
      log(
        `revokeMany c=${concurrency} round ${round + 1}/${settings.poolRounds} ${side.key.padEnd(10)} ` +
          `${Math.round(result.requests / (result.elapsedNs / 1e9))} tokens/s`,
      ),
  });
  const summary = summarize(runs, 'pool');
  const pick = ({ perSecond, cpuMicrosPerRequest }) => ({ perSecond, cpuMicrosPerRequest });
  return {
    revokeMany: pick(summary.revokeMany),
    pool: pick(summary.pool),
    ratio: summary.revokeMany.vsBaseline.perSecond,
  };
}

/**
 * The CLI over a generated token file (its default transport, createNodeFetch) against revokeMany
 * in-process over the same file, over createNodeFetch and over global fetch, at the same concurrency:
 * interleaved rounds on a file of `cliRoundTokens`, each ratio the median of its per-round ratios (a
 * child process's start-up is part of the CLI's figure). Then the CLI once on `cliTokens` for its peak
 * RSS: with the rounds' peak, what it keeps per distinct token.
 */
async function measureCli() {
  const count = settings.cliTokens;
  const concurrency = 64;
  if (count === 0) return { skipped: 'BENCH_CLI_TOKENS=0' };
  if (!cliIsBuilt()) return { skipped: 'dist/cli.js is not built yet' };
  const createNodeFetch = await loadNodeFetch();
  if (!createNodeFetch) return { skipped: 'dist/node/index.js is not built yet' };
  const roundTokens = Math.min(settings.cliRoundTokens, count);
  log(`Writing ${count} and ${roundTokens} tokens to temporary files...`);
  const [memoryFile, roundFile, warmupFile] = await Promise.all([
    writeTokenFile(count),
    writeTokenFile(roundTokens),
    writeTokenFile(Math.min(2_000, roundTokens)),
  ]);
  const cliRun = async (tokenFile) => {
    const run = await runCli({
      file: tokenFile.file,
      baseUrl,
      concurrency,
      json: true,
      cwd: tokenFile.directory,
      env: { DIGILOCKER_CLIENT_ID: CREDENTIALS.clientId, DIGILOCKER_CLIENT_SECRET: CREDENTIALS.clientSecret },
    });
    if (run.exitCode !== 0) throw new Error(`The CLI exited with ${run.exitCode}:\n${run.stderr}`);
    return run;
  };
  const inProcess = async (fetch, tokenFile) => {
    const client = createRevocationClient({ baseUrl, credentials: CREDENTIALS, ...(fetch ? { fetch } : {}) });
    return revokeManyOverFile(client, tokenFile.file, concurrency);
  };
  const nodeFetch = createNodeFetch({ connections: concurrency });
  const peaks = [];
  const contenders = [
    {
      key: 'cli',
      run: async (file) => {
        const run = await cliRun(file);
        if (file === roundFile) peaks.push(run.peakRssMb);
        return { requests: roundTokens, elapsedNs: run.elapsedNs };
      },
    },
    { key: 'nodeFetch', run: (file) => inProcess(nodeFetch, file) },
    { key: 'globalFetch', run: (file) => inProcess(undefined, file) },
  ];
  try {
    const runs = await interleave(contenders, {
      rounds: settings.cliRounds,
      warmup: (contender) => contender.run(warmupFile),
      run: async (contender) => {
        const run = await contender.run(roundFile);
        return { requests: run.tokens ?? run.requests, elapsedNs: run.elapsedNs };
      },
      onRun: (contender, round) => log(`CLI round ${round + 1}: ${contender.key}`),
    });
    log(`CLI over ${count} tokens, for its memory...`);
    const memoryRun = await cliRun(memoryFile);
    const perSecond = (key) => median(runs.get(key).map((run) => run.requests / (run.elapsedNs / 1e9)));
    const roundPeakMb = median(peaks);
    return {
      tokens: roundTokens,
      rounds: settings.cliRounds,
      concurrency,
      json: true,
      cli: { perSecond: perSecond('cli'), peakRssMb: roundPeakMb },
      revokeMany: { perSecond: perSecond('nodeFetch'), transport: 'createNodeFetch()' },
      revokeManyGlobalFetch: { perSecond: perSecond('globalFetch'), transport: 'global fetch' },
      ratio: roundRatio(runs, 'cli', 'nodeFetch', 'perSecond'),
      nodeFetchVsGlobalFetch: roundRatio(runs, 'nodeFetch', 'globalFetch', 'perSecond'),
      noise: roundNoise(runs, 'nodeFetch'),
      memory: {
        tokens: count,
        perSecond: count / (memoryRun.elapsedNs / 1e9),
        peakRssMb: memoryRun.peakRssMb,
        bytesPerToken:
          count > roundTokens
            ? ((memoryRun.peakRssMb - roundPeakMb) * 1024 * 1024) / (count - roundTokens)
            : undefined,
      },
      // The CLI always runs over createNodeFetch: it has no switch to run over global fetch.
      cliGlobalFetch: { skipped: 'the CLI has no switch to run over global fetch' },
    };
  } finally {
    await nodeFetch.close();
    await Promise.all([memoryFile.remove(), roundFile.remove(), warmupFile.remove()]);
  }
}
