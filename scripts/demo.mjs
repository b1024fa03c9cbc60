#!/usr/bin/env node
// npm run demo: the main job on a fresh machine. Starts the mock DigiLocker, issues a few hundred
// tokens, revokes them with the built CLI as a user would (tokens on standard input, progress bar on a
// terminal, summary), then asks the mock whether every token is revoked.
import { spawn } from 'node:child_process';
import { startMockDigiLocker } from '../dist/testing/index.js';

const GRANTS = 150; // an access and a refresh token each: 300 tokens

const digilocker = await startMockDigiLocker();
try {
  const sessions = Array.from({ length: GRANTS }, () => digilocker.issueTokens());
  const tokens = sessions.flatMap(({ accessToken, refreshToken }) => [accessToken, refreshToken]);
  console.log(`demo: mock DigiLocker at ${digilocker.baseUrl}; issued ${tokens.length} tokens in ${GRANTS} grants`);
  console.log(`demo: $ digilocker-revoke revoke --file - --base-url ${digilocker.baseUrl} --treat-invalid-as-revoked\n`);

  const cli = spawn(
    process.execPath,
    ['dist/cli.js', 'revoke', '--file', '-', '--base-url', digilocker.baseUrl, '--treat-invalid-as-revoked'],
    {
      env: { ...process.env, DIGILOCKER_CLIENT_ID: digilocker.clientId, DIGILOCKER_CLIENT_SECRET: digilocker.clientSecret },
      stdio: ['pipe', 'inherit', 'inherit'],
    },
  );
  cli.stdin.end(`# tokens to revoke, one per line\n${tokens.join('\n')}\n`);
  const exitCode = await new Promise((resolve) => cli.on('close', resolve));

  const stillActive = tokens.filter((token) => digilocker.isActive(token)).length;
  if (exitCode === 0 && stillActive === 0) {
    console.log(`\ndemo: all ${tokens.length} issued tokens are revoked on the mock DigiLocker (CLI exit code 0).`);
  } else {
    console.error(`\ndemo: FAILED: CLI exit code ${exitCode}, ${stillActive} of ${tokens.length} tokens still active.`);
    process.exitCode = 1;
  }
} finally {
  await digilocker.close();
}
