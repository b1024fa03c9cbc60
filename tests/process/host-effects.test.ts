// What only a real process shows, run against the built package (dist/, `npm run build`) in a child
// process: warnings printed (MaxListenersExceededWarning, TimeoutOverflowWarning), unhandled rejections
// (which end the process with exit code 1). Jest's sandboxed `process` sees none of them.
import { runChildScript } from '../support/child-script';
import { firstRateLimited, useLocalServer } from '../support/local-server';

const server = useLocalServer();

describe('onEvent', () => {
  it('swallows a rejected promise it returns: the process neither crashes nor warns', async () => {
    const { code, stdout, stderr } = await runChildScript(
      `
      const client = lib.createRevocationClient({
        baseUrl: process.env.BASE_URL,
        credentials: { clientId: 'id', clientSecret: 'secret' },
        onEvent: async () => { throw new Error('log sink down'); },
      });
      const result = await client.revoke('tok');
      await new Promise((resolve) => setTimeout(resolve, 50));
      console.log(result.outcome);
    `,
      { BASE_URL: server.baseUrl },
    );
    expect({ code, stdout: stdout.trim(), stderr }).toEqual({ code: 0, stdout: 'revoked', stderr: '' });
  });
});

describe('a signal shared by many workers', () => {
  /** Runs `body` in a child process with `client`, over global fetch or createNodeFetch, 20 ms a request. */
  function runWithClient(transport: string, body: string) {
    server.handle((_request, response) => setTimeout(() => response.end(), 20));
    const fetch =
      transport === 'global fetch' ? 'undefined' : '(await import(process.env.NODE_ENTRY)).createNodeFetch()';
    const script = `
      const client = lib.createRevocationClient({
        baseUrl: process.env.BASE_URL,
        credentials: { clientId: 'id', clientSecret: 'secret' },
        timeoutMs: 20000,
        fetch: ${fetch},
      });
      ${body}
      process.exit(0);`;
    const NODE_ENTRY = require.resolve('../../dist/node/index.js');
    return runChildScript(script, { BASE_URL: server.baseUrl, NODE_ENTRY });
  }

  it.each([
    { label: 'with', signal: 'new AbortController().signal', transport: 'global fetch' },
    { label: 'without', signal: 'undefined', transport: 'global fetch' },
    { label: 'with', signal: 'new AbortController().signal', transport: 'createNodeFetch' },
  ])(
    'adds no MaxListenersExceededWarning: revokeMany $label a signal at concurrency 64 over $transport',
    async ({ signal, transport }) => {
      const { code, stdout, stderr } = await runWithClient(
        transport,
        `const tokens = Array.from({ length: 256 }, (_, i) => 'token-' + i);
      let revoked = 0;
      for await (const outcome of client.revokeMany(tokens, { concurrency: 64, signal: ${signal} })) if (outcome.ok) revoked++;
      console.log(revoked);`,
      );
      expect({ code, stdout: stdout.trim(), stderr }).toEqual({ code: 0, stdout: '256', stderr: '' });
    },
  );

  it.each(['global fetch', 'createNodeFetch'])(
    'adds no MaxListenersExceededWarning when 64 revoke calls at once share one signal, over %s',
    async (transport) => {
      const { code, stdout, stderr } = await runWithClient(
        transport,
        `const shutdown = new AbortController();
      const tokens = Array.from({ length: 64 }, (_, i) => 'token-' + i);
      const results = await Promise.all(tokens.map((token) => client.revoke(token, { signal: shutdown.signal })));
      console.log(results.filter((result) => result.outcome === 'revoked').length);`,
      );
      expect({ code, stdout: stdout.trim(), stderr }).toEqual({ code: 0, stdout: '64', stderr: '' });
    },
  );
});

describe('the shared rate-limit pause', () => {
  it('never arms a timer beyond 2^31 - 1 ms, whatever Retry-After says', async () => {
    server.handle(firstRateLimited('99999999999')); // about 3,000 years
    const { code, stdout, stderr } = await runChildScript(
      `
      const client = lib.createRevocationClient({
        baseUrl: process.env.BASE_URL,
        credentials: { clientId: 'id', clientSecret: 'secret' },
        retry: { maxElapsedMs: 2000 },
      });
      const started = performance.now();
      const outcomes = [];
      for await (const o of client.revokeMany(['a', 'b', 'c', 'd'], { concurrency: 1 })) outcomes.push(o);
      console.log(JSON.stringify({
        ms: performance.now() - started,
        codes: outcomes.map((o) => o.ok ? 'ok' : o.error.code),
        finite: outcomes.every((o) => o.ok || Number.isFinite(o.error.retryAfterMs)),
      }));
    `,
      { BASE_URL: server.baseUrl },
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' }); // no TimeoutOverflowWarning
    const report = JSON.parse(stdout);
    expect(report.ms).toBeLessThan(3000);
    expect(report.codes).toEqual(['rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    expect(report.finite).toBe(true);
  });
});
