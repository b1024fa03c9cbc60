#!/usr/bin/env node
// npm run demo: the CLI's main job, end to end, on a fresh machine. Starts the mock DigiLocker, issues
// a few hundred tokens, revokes them with the built CLI as a user would (tokens on standard input,
// credentials in the environment, progress bar on a terminal, summary), asks the mock whether every
// token is revoked, then reruns with the same journal to show that nothing is sent twice.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockDigiLocker } from '../dist/testing/index.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const GRANTS = 150; // an access and a refresh token each: 300 tokens

const scratch = mkdtempSync(join(tmpdir(), 'digilocker-demo-'));
const journal = join(scratch, 'revoke.journal');
const digilocker = await startMockDigiLocker();
try {
  const tokens = Array.from({ length: GRANTS }, () => digilocker.issueTokens()).flatMap((grant) => [
    grant.accessToken,
    grant.refreshToken,
  ]);
  // A little latency per request, as over a real network, so that the progress bar has time to show.
  digilocker.inject({ type: 'delay', ms: 25 }, { times: tokens.length });
  console.log(
    `demo: mock DigiLocker at ${digilocker.baseUrl}, ${tokens.length} tokens issued in ${GRANTS} grants`,
  );
  console.log(
    'demo: --treat-invalid-as-revoked: revoking a refresh token also invalidates the access token of its grant',
  );

  const args = ['revoke', '--file', '-', '--base-url', digilocker.baseUrl, '--treat-invalid-as-revoked'];
  console.log(`demo: $ digilocker-revoke ${args.join(' ')} --journal ${journal} < tokens\n`);
  const exitCode = await revoke([...args, '--journal', journal], tokens);

  const stillActive = tokens.filter((token) => digilocker.isActive(token)).length;
  if (exitCode !== 0 || stillActive !== 0) {
    console.error(
      `\ndemo: FAILED: exit code ${exitCode}, ${stillActive} of ${tokens.length} tokens still active`,
    );
    process.exitCode = 1;
  } else {
    console.log(
      `\ndemo: all ${tokens.length} issued tokens are revoked on the mock DigiLocker (exit code 0)`,
    );

    console.log('\ndemo: the same run again, with the same journal:\n');
    const requestsBefore = digilocker.stats.revokeRequests;
    const rerunCode = await revoke([...args, '--journal', journal], tokens);
    const sent = digilocker.stats.revokeRequests - requestsBefore;
    console.log(
      `\ndemo: the rerun skipped every journaled token and sent ${sent} requests (exit code ${rerunCode})`,
    );
    if (rerunCode !== 0 || sent !== 0) process.exitCode = 1;
  }
} finally {
  await digilocker.close();
  rmSync(scratch, { recursive: true, force: true });
}

/** Runs the CLI with the mock's test credentials in its environment and the tokens on its stdin. */
function revoke(args, tokens) {
  const cli = spawn(process.execPath, [CLI, ...args], {
    env: {
      ...process.env,
      DIGILOCKER_CLIENT_ID: digilocker.clientId,
      DIGILOCKER_CLIENT_SECRET: digilocker.clientSecret,
    },
    // The CLI's stderr is this terminal: its progress bar shows when you run the demo in one.
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  cli.stdin.end(`# tokens to revoke, one per line\n${tokens.join('\n')}\n`);
  return new Promise((resolve) => cli.on('close', resolve));
}
