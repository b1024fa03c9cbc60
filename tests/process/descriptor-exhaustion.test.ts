// An attempt that could not open a socket (no file descriptor left, EMFILE) provably never wrote its
// request: a later `invalid_token` then stays an InvalidTokenError, never "revoked". Only a real
// process with a low descriptor limit shows it, so this runs the built package (dist/) in a child.
import { runChildScript } from '../support/child-script';
import { useLocalServer } from '../support/local-server';

const server = useLocalServer();

it('EMFILE (no file descriptor left for a socket), then invalid_token: not revoked', async () => {
  server.handle((_request, response) => {
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end('{"error":"invalid_token"}');
  });
  // With a limit of 64, the child takes every free descriptor, then gives them back once its first
  // attempt has failed: that attempt could not open a socket, the second one gets invalid_token.
  const { code, stdout, stderr } = await runChildScript(
    `
    import { openSync, closeSync } from 'node:fs';
    const hoard = [];
    try { for (;;) hoard.push(openSync('/dev/null', 'r')); } catch {}
    let first;
    const client = lib.createRevocationClient({
      baseUrl: process.env.BASE_URL,
      credentials: { clientId: 'client', clientSecret: 'secret' },
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 10000 },
      fetch: async (input, init) => {
        try { return await fetch(input, init); }
        catch (error) { first ??= error; throw error; }
        finally { for (const fd of hoard.splice(0)) closeSync(fd); }
      },
    });
    const outcome = await client.revoke('leaked-token').then((r) => r, (e) => ({ error: e.code }));
    let cause = first; const codes = [];
    while (cause) { codes.push(cause.code); cause = cause.cause; }
    console.log(JSON.stringify({ outcome, codes }));
  `,
    { BASE_URL: server.baseUrl },
    { fileDescriptorLimit: 64 },
  );
  expect({ code, stderr }).toMatchObject({ code: 0 }); // stderr shown when it is not 0
  const { outcome, codes } = JSON.parse(stdout);
  expect(codes).toContain('EMFILE'); // the first attempt did fail for want of a descriptor
  expect(outcome).toEqual({ error: 'invalid_token' });
});
