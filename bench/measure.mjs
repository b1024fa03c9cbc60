// Measurement: runs of N requests at a fixed concurrency, interleaved rounds over the contenders, and
// the statistics the report quotes (medians over rounds, percentiles over all samples, ratios to the
// baseline of the same round).

/** A token per request slot; distinct values without building a string per request. */
export function makeTokens(count, prefix = 'bench') {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(8, '0')}-a1b2c3d4e5f6`);
}

/**
 * Sends `requests` calls with at most `concurrency` in flight. Resolves with the elapsed time, the
 * client's CPU time and each call's latency in nanoseconds. A failed call rejects the run.
 */
export async function runRequests(call, { requests, concurrency, tokens }) {
  const latencies = new Float64Array(requests);
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const index = next++;
      const sentAt = process.hrtime.bigint();
      await call(tokens[index % tokens.length]);
      latencies[index] = Number(process.hrtime.bigint() - sentAt);
    }
  };
  const cpuBefore = process.cpuUsage();
  const startedAt = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  const elapsedNs = Number(process.hrtime.bigint() - startedAt);
  const cpu = process.cpuUsage(cpuBefore);
  return { requests, elapsedNs, cpuMicros: cpu.user + cpu.system, latencies };
}

/** Collects garbage between runs when node runs with --expose-gc, so that no run pays for another's. */
export function collectGarbage() {
  globalThis.gc?.();
}

/**
 * Interleaved rounds: warm every contender up, then round after round run each contender once, in
 * table order. A contender whose `warmup` resolves with false is left out. `run(contender)` performs
 * one run and resolves with `{ requests, elapsedNs, cpuMicros, latencies?, serverCpuMicros? }`.
 */
export async function interleave(contenders, { rounds, warmup, run, onRun }) {
  const active = [];
  for (const contender of contenders) {
    if ((await warmup(contender)) !== false) active.push(contender);
    collectGarbage();
  }
  const runs = new Map(active.map((c) => [c.key, []]));
  for (let round = 0; round < rounds; round++) {
    for (const contender of active) {
      const result = await run(contender);
      runs.get(contender.key).push(result);
      onRun?.(contender, round, result);
      collectGarbage();
    }
  }
  return runs;
}

/**
 * Per contender: the medians over rounds, the percentiles over all samples, and each figure as the
 * median of its per-round ratios to the baseline's run of the same round.
 */
export function summarize(runs, baselineKey) {
  const summaries = {};
  for (const [key, list] of runs) {
    const perRound = list.map(describeRun);
    const all = list[0].latencies ? concatenate(list.map((r) => r.latencies)) : undefined;
    const vsBaseline = (field) =>
      runs.has(baselineKey) ? roundRatio(runs, key, baselineKey, field) : undefined;
    summaries[key] = {
      perSecond: median(perRound.map((r) => r.perSecond)),
      p50Ms: all ? percentile(all, 50) / 1e6 : undefined,
      p99Ms: all ? percentile(all, 99) / 1e6 : undefined,
      cpuMicrosPerRequest: median(perRound.map((r) => r.cpuMicrosPerRequest)),
      serverCpuShare: median(perRound.map((r) => r.serverCpuShare)),
      vsBaseline: {
        perSecond: vsBaseline('perSecond'),
        p50: all ? vsBaseline('p50') : undefined,
        p99: all ? vsBaseline('p99') : undefined,
        cpuMicrosPerRequest: vsBaseline('cpuMicrosPerRequest'),
      },
      rounds: perRound.map(({ perSecond, cpuMicrosPerRequest }) => ({ perSecond, cpuMicrosPerRequest })),
    };
  }
  return summaries;
}

/** The median over rounds of `a`'s figure divided by `b`'s in the same round. */
export function roundRatio(runs, a, b, field) {
  const ours = runs.get(a)?.map(describeRun);
  const theirs = runs.get(b)?.map(describeRun);
  if (!ours || !theirs) return undefined;
  return median(ours.map((r, i) => r[field] / theirs[i][field]));
}

/**
 * The run's noise: how far apart one contender's own rounds are, `(max - min) / median` of its
 * per-round req/s. A ratio between contenders within this is a tie.
 */
export function roundNoise(runs, key) {
  const rates = runs.get(key)?.map((run) => describeRun(run).perSecond);
  if (!rates || rates.length < 2) return undefined;
  return (Math.max(...rates) - Math.min(...rates)) / median(rates);
}

function describeRun(run) {
  return {
    perSecond: run.requests / (run.elapsedNs / 1e9),
    cpuMicrosPerRequest: run.cpuMicros / run.requests,
    // The server's CPU time over the run's wall time: near 1 means the server's core was the limit.
    serverCpuShare:
      run.serverCpuMicros === undefined ? undefined : run.serverCpuMicros / (run.elapsedNs / 1e3),
    p50: run.latencies ? percentile(run.latencies, 50) : undefined,
    p99: run.latencies ? percentile(run.latencies, 99) : undefined,
  };
}

export function median(values) {
  const present = values.filter((v) => v !== undefined && !Number.isNaN(v));
  if (present.length === 0) return undefined;
  const sorted = present.sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nearest-rank percentile of a typed array (sorted in a copy). */
export function percentile(samples, p) {
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function concatenate(arrays) {
  const all = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const array of arrays) {
    all.set(array, offset);
    offset += array.length;
  }
  return all;
}
