// An error no command expected (a bug, a failure of the process's own streams) ends the CLI with exit
// 1 and one line on stderr: its name and message, through the same redactor as usage errors.
import { PassThrough, Writable } from 'node:stream';
import { execute } from '../../src/cli/execute';
import { EXIT } from '../../src/cli/exit-codes';
import type { CliIo } from '../../src/cli/io';

const SECRET = 'cs-unexpected-7f3a9c';
const TOKEN = 'tok-unexpected-5b8e2d41a9';

/** Runs `argv` in process with a stdout whose every write throws `message`; resolves with code and stderr. */
async function runWithBrokenStdout(argv: string[], message: string) {
  let stderr = '';
  const io: CliIo = {
    stdin: new PassThrough(),
    stdout: new Writable({
      write() {
        throw Object.assign(new Error(message), { name: `Error ${TOKEN}` });
      },
    }),
    stderr: new PassThrough().setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    }) as unknown as NodeJS.WriteStream,
    env: { DIGILOCKER_CLIENT_ID: 'id', DIGILOCKER_CLIENT_SECRET: SECRET },
    onInterrupt: () => () => {},
    exit: (code) => {
      throw new Error(`exit ${code}`);
    },
  };
  const code = await execute(argv, io);
  return { code, stderr };
}

describe('an unexpected error', () => {
  it('exits 1 with its name and message, the secret and the token redacted in every form', async () => {
    const echoed = `stream broke on ${SECRET} / ${encodeURIComponent(Buffer.from(SECRET).toString('base64'))} / ${TOKEN}`;
    const { code, stderr } = await runWithBrokenStdout(['--version', TOKEN], echoed);
    expect(code).toBe(EXIT.failed);
    expect(stderr).toMatch(/^digilocker-revoke: unexpected Error \[REDACTED\]: stream broke on /);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toContain(SECRET);
    expect(stderr).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(stderr).not.toContain(TOKEN);
  });
});
