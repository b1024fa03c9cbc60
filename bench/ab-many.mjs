// An experiment driver, not part of `bench`: revokeMany of two builds (dist directories) and the
// hand-written pool over raw fetch, interleaved rounds on the bench server, median tokens/s:
//   node --expose-gc bench/ab-many.mjs OLD_DIST NEW_DIST [concurrency] [tokens] [rounds]
// With AB_TRANSPORT=node: each build over its own createNodeFetch (the pool stays on global fetch).
import { CONTENDERS, CREDENTIALS, drainRevokeMany, handWrittenPool } from './contenders.mjs';
import { collectGarbage, makeTokens, median } from './measure.mjs';
import { startServer } from './server.mjs';

const [oldDist, newDist, c = '8', n = '5000', r = '5'] = process.argv.slice(2);
const concurrency = Number(c);
const server = await startServer();
const baseUrl = `http://127.0.0.1:${server.port}/public`;
const tokens = makeTokens(Number(n), 'ab');
const overNode = process.env.AB_TRANSPORT === 'node';
const make = async (dist) => {
  const fetch = overNode ? (await import(`${dist}/node/index.js`)).createNodeFetch() : undefined;
  return (await import(`${dist}/index.js`)).createRevocationClient({
    baseUrl,
    credentials: CREDENTIALS,
    ...(fetch ? { fetch } : {}),
  });
};
const rawFetch = await CONTENDERS.find((x) => x.key === 'fetch').create(baseUrl);
const sides = {
  old: (
    (client) => () =>
      drainRevokeMany(client, tokens, concurrency)
  )(await make(oldDist)),
  new: (
    (client) => () =>
      drainRevokeMany(client, tokens, concurrency)
  )(await make(newDist)),
  pool: () => handWrittenPool(rawFetch.call, tokens, concurrency),
};
const results = { old: [], new: [], pool: [] };
for (const side of Object.values(sides)) await side();
for (let round = 0; round < Number(r); round++)
  for (const [key, side] of Object.entries(sides)) {
    collectGarbage();
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    const count = await side();
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const used = process.cpuUsage(cpu);
    results[key].push({ rps: count / seconds, cpu: (used.user + used.system) / count });
  }
for (const key of Object.keys(sides)) {
  const ratio = median(results[key].map((x, i) => x.rps / results.pool[i].rps));
  console.log(
    `${key.padEnd(5)} ${median(results[key].map((x) => x.rps))
      .toFixed(0)
      .padStart(
        6,
      )} tokens/s  cpu ${median(results[key].map((x) => x.cpu)).toFixed(0)} us/token  vs pool ${ratio.toFixed(3)}`,
  );
}
await server.close();
process.exit(0);
