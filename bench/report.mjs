// The report: the markdown tables printed on stdout (pasteable into docs/performance.md) and the JSON
// file of all figures, with its keys sorted so that two runs diff line by line.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The targets, checked against the results; each yields `{ name, measured, pass }` or nothing. */
export function checkTargets(results) {
  const targets = [];
  // Three decimals: a ratio just under a target must not print as the target itself.
  const add = (name, value, pass, format = (v) => v.toFixed(3)) => {
    if (value === undefined) targets.push({ name, measured: 'not measured', pass: undefined });
    else targets.push({ name, measured: format(value), value, pass: pass(value) });
  };
  for (const c of Object.keys(results.single)) {
    const { contenders, ratios } = results.single[c];
    add(
      `\`revoke\` req/s ≥ 0.95× raw fetch (c=${c})`,
      contenders.revoke?.vsBaseline.perSecond,
      (v) => v >= 0.95,
    );
    add(
      `\`revoke\` CPU/request ≤ 1.05× raw fetch (c=${c})`,
      contenders.revoke?.vsBaseline.cpuMicrosPerRequest,
      (v) => v <= 1.05,
    );
    // Level or ahead, within the run's noise (raw fetch's own round-to-round spread).
    const level = (v) => v >= 1 - (results.single[c].noise ?? 0);
    add(`\`revoke\` req/s level with oauth4webapi (c=${c})`, ratios.revokeVsOauth4webapi, level);
    add(`\`revoke\` req/s level with openid-client (c=${c})`, ratios.revokeVsOpenidClient, level);
  }
  for (const c of Object.keys(results.revokeMany)) {
    add(
      `\`revokeMany\` tokens/s ≥ 0.95× hand-written pool (c=${c})`,
      results.revokeMany[c].ratio,
      (v) => v >= 0.95,
    );
  }
  const { cli } = results;
  add('CLI tokens/s ≥ 0.9× `revokeMany` in-process (same transport)', cli.ratio, (v) => v >= 0.9);
  add(
    '`revokeMany` over createNodeFetch ≥ 1.5× over global fetch (what a Node transport must buy)',
    cli.nodeFetchVsGlobalFetch,
    (v) => v >= 1.5,
  );
  return targets;
}

/** The markdown report. */
export function formatReport(results, contenders) {
  const { meta } = results;
  const lines = [];
  const labels = Object.fromEntries(contenders.map((c) => [c.key, c.label]));
  lines.push(`### Benchmarks${meta.smoke ? ' (smoke run: too short to mean anything)' : ''}`, '');
  lines.push(
    `${meta.date} · Node ${meta.node} · ${meta.cpu} (${meta.cores} cores) · ${meta.platform}. ` +
      'Client and server (a minimal `node:http` server answering 200) in separate processes on ' +
      `127.0.0.1, keep-alive. Per run ${meta.requests.c1} requests at c=1 and ${meta.requests.c64} at c=64 ` +
      `(${meta.rounds} interleaved rounds), ${meta.poolTokens} tokens for revokeMany (${meta.poolRounds} rounds).`,
    '',
    '**Only ratios within one run are comparable**: absolute figures depend on the machine and its load ' +
      '(this one is shared and noisy). Figures are medians over rounds; p50/p99 are over all samples; ' +
      '"×" columns are the median of per-round ratios to raw `fetch` in the same round (>1 is faster for ' +
      'req/s, slower for latency and CPU). "Server busy" is the server process\'s CPU time over wall time: ' +
      'near 100% means its core, not the client, set the pace.',
    '',
  );

  const notes = [];
  const noteFor = (key) => {
    const differences = results.requestDifferences[key];
    if (!differences?.length) return '';
    notes.push(`${labels[key]} sends ${differences.join(', ')}.`);
    return ` [${notes.length}]`;
  };
  const noteMarks = Object.fromEntries(contenders.map((c) => [c.key, noteFor(c.key)]));

  for (const [c, { contenders: figures }] of Object.entries(results.single)) {
    lines.push(`**${c === '1' ? 'One request at a time' : `${c} requests in flight`} (c=${c})**`, '');
    lines.push(
      '| Contender | req/s | × | p50 ms | × | p99 ms | × | client CPU µs/req | × | server busy |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const { key } of contenders) {
      const f = figures[key];
      if (!f) continue;
      if (f.skipped || f.failed) {
        lines.push(
          `| ${labels[key]} | ${f.skipped ? `skipped: ${f.skipped}` : `failed: ${f.failed}`} |||||||||`,
        );
        continue;
      }
      const v = f.vsBaseline;
      lines.push(
        `| ${labels[key]}${noteMarks[key]} | ${int(f.perSecond)} | ${ratio(v.perSecond)} | ${ms(f.p50Ms)} | ` +
          `${ratio(v.p50)} | ${ms(f.p99Ms)} | ${ratio(v.p99)} | ${int(f.cpuMicrosPerRequest)} | ` +
          `${ratio(v.cpuMicrosPerRequest)} | ${percent(f.serverCpuShare)} |`,
      );
    }
    lines.push('');
  }

  lines.push("**The same rounds, side by side** (noise: raw fetch's own round-to-round spread)", '');
  lines.push(
    '| Concurrency | × oauth4webapi | × openid-client | noise | createNodeFetch × global fetch (`revoke`) |',
    '|--:|--:|--:|--:|--:|',
  );
  for (const [c, { ratios, noise }] of Object.entries(results.single)) {
    lines.push(
      `| ${c} | ${ratio(ratios.revokeVsOauth4webapi)} | ${ratio(ratios.revokeVsOpenidClient)} | ` +
        `±${percent(noise)} | ${ratio(ratios.revokeNodeVsRevoke)} |`,
    );
  }
  lines.push('');

  lines.push('**`revokeMany` vs a hand-written promise pool over raw `fetch`**', '');
  lines.push(
    '| Concurrency | `revokeMany` tokens/s | pool tokens/s | × pool | `revokeMany` CPU µs/token | pool CPU µs/token |',
  );
  lines.push('|--:|--:|--:|--:|--:|--:|');
  for (const [c, r] of Object.entries(results.revokeMany)) {
    lines.push(
      `| ${c} | ${int(r.revokeMany.perSecond)} | ${int(r.pool.perSecond)} | ${ratio(r.ratio)} | ` +
        `${int(r.revokeMany.cpuMicrosPerRequest)} | ${int(r.pool.cpuMicrosPerRequest)} |`,
    );
  }
  lines.push('');

  const { cli } = results;
  lines.push('**CLI over a token file**', '');
  if (cli.skipped) {
    lines.push(`Skipped: ${cli.skipped}.`, '');
  } else {
    const { memory } = cli;
    lines.push(
      `${cli.tokens} tokens a run, concurrency ${cli.concurrency}, ${cli.rounds} interleaved round(s); ` +
        'tokens/s are medians, "×" the median of per-round ratios (noise: in-process `revokeMany`\'s own ' +
        `round-to-round spread, ${cli.noise === undefined ? 'n/a with one round' : `±${percent(cli.noise)}`}).`,
      '',
      '| Run | tokens/s | peak RSS | × `revokeMany` |',
      '|---|--:|--:|--:|',
      `| \`digilocker-revoke revoke${cli.json ? ' --json' : ''}\` (child process, stdout to /dev/null) | ` +
        `${int(cli.cli.perSecond)} | ${cli.cli.peakRssMb.toFixed(0)} MB | ${ratio(cli.ratio)} |`,
      `| \`revokeMany\` in-process (${cli.revokeMany.transport}, file read with readline) | ` +
        `${int(cli.revokeMany.perSecond)} | | 1.00 |`,
      `| \`revokeMany\` in-process (${cli.revokeManyGlobalFetch.transport}, file read with readline) | ` +
        `${int(cli.revokeManyGlobalFetch.perSecond)} | | ${ratio(1 / cli.nodeFetchVsGlobalFetch)} |`,
      `| CLI over global fetch | ${cli.cliGlobalFetch.skipped ? `skipped: ${cli.cliGlobalFetch.skipped}` : ''} | | |`,
      '',
      `The CLI once on ${memory.tokens} tokens: ${int(memory.perSecond)} tokens/s, peak RSS ` +
        `${memory.peakRssMb.toFixed(0)} MB` +
        (memory.bytesPerToken === undefined
          ? '.'
          : `: ${int(memory.bytesPerToken)} bytes per distinct token over the rounds' ${cli.tokens}-token runs.`),
      '',
    );
  }

  if (!meta.smoke) {
    lines.push('**Targets**', '', '| Target | Measured | Result |', '|---|--:|---|');
    for (const t of results.targets) {
      lines.push(
        `| ${t.name} | ${t.measured} | ${t.pass === undefined ? 'n/a' : t.pass ? 'PASS' : 'MISS'} |`,
      );
    }
    lines.push('');
  }

  if (notes.length) {
    lines.push("Requests differ from the baseline's only where noted (Host aside):", '');
    for (const [i, note] of notes.entries()) lines.push(`${i + 1}. ${note}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes `results` as JSON with sorted keys and rounded numbers: stable from run to run. */
export async function writeResults(path, results) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(stable(results), null, 2)}\n`);
}

function stable(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toPrecision(4));
  if (Array.isArray(value)) return value.map(stable);
  if (value === null || typeof value !== 'object') return value;
  const sorted = {};
  for (const key of Object.keys(value).sort()) {
    if (value[key] !== undefined) sorted[key] = stable(value[key]);
  }
  return sorted;
}

function int(value) {
  return value === undefined ? '' : Math.round(value).toLocaleString('en-US');
}

function ms(value) {
  return value === undefined ? '' : value < 1 ? value.toFixed(3) : value.toFixed(2);
}

function ratio(value) {
  return value === undefined ? '' : value.toFixed(2);
}

function percent(value) {
  return value === undefined ? '' : `${Math.round(value * 100)}%`;
}
