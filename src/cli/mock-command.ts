import { EXIT, RefusedError } from './exit-codes';
import type { CliIo } from './io';

/** The options of `digilocker-revoke mock`. */
export interface MockFlags {
  port: number;
  /** Token pairs to issue at start, printed one token a line. */
  issue: number;
}

/**
 * Starts the mock DigiLocker, prints its base URL and test credentials (and, with `--issue`, fresh
 * tokens), and runs until SIGINT or SIGTERM. Every line but the tokens starts with `#`, so the output
 * saved to a file is a valid `--file` input.
 */
export async function mockCommand(flags: MockFlags, io: CliIo): Promise<number> {
  // Loaded here only: the mock brings a JSON Schema validator that `revoke` has no use for.
  const { startMockDigiLocker } = await import('../testing');
  const digilocker = await startMockDigiLocker({ port: flags.port }).catch((error: NodeJS.ErrnoException) => {
    throw new RefusedError(`Cannot listen on 127.0.0.1:${flags.port}: ${error.code ?? error.message}`);
  });
  const lines = [
    `# Mock DigiLocker listening at ${digilocker.baseUrl}`,
    '# Test values only, valid for this mock and nothing else:',
    `#   export DIGILOCKER_CLIENT_ID=${digilocker.clientId}`,
    `#   export DIGILOCKER_CLIENT_SECRET=${digilocker.clientSecret}`,
    `#   digilocker-revoke revoke --base-url ${digilocker.baseUrl} --file tokens.txt`,
    '# Tokens it did not issue are answered invalid_token. Stop it with Ctrl-C.',
  ];
  if (flags.issue > 0) lines.push(`# ${flags.issue * 2} tokens issued (access, refresh per grant):`);
  for (let grant = 0; grant < flags.issue; grant++) {
    const { accessToken, refreshToken } = digilocker.issueTokens();
    lines.push(accessToken, refreshToken);
  }
  io.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const stopListening = io.onInterrupt(() => {
      stopListening();
      resolve();
    });
  });
  await digilocker.close();
  return EXIT.ok;
}
