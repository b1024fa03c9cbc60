// The CLI run in the test's own process (execute() with captured streams): for the commands whose
// behaviour does not need a child process (no signals, no real standard streams), and no build.
import { PassThrough } from 'node:stream';
import { execute } from '../../src/cli/execute';
import type { CliIo } from '../../src/cli/io';

/** What a run of the CLI left: its exit code and its output. */
export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `digilocker-revoke ...argv` in this process with `env` as its whole environment. */
export async function runCliInProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdin: new PassThrough(),
    stdout: new PassThrough().setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    }),
    stderr: new PassThrough().setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    }) as unknown as NodeJS.WriteStream,
    env,
    onInterrupt: () => () => {},
    exit: (code) => {
      throw new Error(`exit ${code}`);
    },
  };
  const code = await execute(argv, io);
  return { code, stdout, stderr };
}
