// The run's redactor (built from the arguments: thousands of tokens given as arguments take seconds
// and hundreds of megabytes to build into patterns) is used only for a line that needs it: a run
// that prints no such line never builds it.
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io';
import { revokeCommand } from '../../src/cli/revoke-command';
import { DEFAULTS } from '../../src/defaults';
import { startMockDigiLocker } from '../../src/testing';

it('a run that prints nothing to redact never redacts', async () => {
  const digilocker = await startMockDigiLocker();
  try {
    const tokens = Array.from({ length: 3 }, () => digilocker.issueTokens().accessToken);
    const io: CliIo = {
      stdin: new PassThrough(),
      stdout: new PassThrough().resume(),
      stderr: new PassThrough().resume() as unknown as NodeJS.WriteStream,
      env: { DIGILOCKER_CLIENT_ID: digilocker.clientId, DIGILOCKER_CLIENT_SECRET: digilocker.clientSecret },
      onInterrupt: () => () => {},
      exit: (code) => {
        throw new Error(`exit ${code}`);
      },
    };
    const redacted: string[] = [];
    const redact = (text: string) => {
      redacted.push(text);
      return text;
    };
    const flags = { baseUrl: digilocker.baseUrl, concurrency: DEFAULTS.concurrency };
    expect(await revokeCommand(tokens, flags, io, redact)).toBe(0);
    expect(redacted).toEqual([]);
  } finally {
    await digilocker.close();
  }
});
