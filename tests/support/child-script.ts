// Runs an ES module script in a child Node process against the built package (dist/, made by
// `npm run build`), for what only a real process shows: warnings printed, unhandled rejections (which
// end the process with exit code 1), memory. Jest's sandboxed `process` sees none of them.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist', 'index.js');

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How the child runs. */
export interface ChildOptions {
  /** Node's own flags, such as `--expose-gc`. @default [] */
  execArgv?: string[];
  /** The child is killed after this long. @default 30000 */
  timeoutMs?: number;
  /** The child's limit of open file descriptors (`ulimit -n`, set by bash before it starts). @default unchanged */
  fileDescriptorLimit?: number;
}

/**
 * Runs `script` (an ES module body; `lib` is the core entry, imported for it) with `env`, and resolves
 * with its exit code and output. Fails clearly when the package has not been built.
 */
export function runChildScript(
  script: string,
  env: Record<string, string> = {},
  { execArgv = [], timeoutMs = 30_000, fileDescriptorLimit }: ChildOptions = {},
): Promise<ChildResult> {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` before the tests`);
  const source = `import * as lib from ${JSON.stringify(DIST)};\n${script}`;
  const node = [process.execPath, ...execArgv, '--input-type=module', '--eval', source];
  // bash sets the limit, then becomes Node (exec): the child is one process, as without a limit.
  const [file, ...args] =
    fileDescriptorLimit === undefined
      ? node
      : ['bash', '-c', `ulimit -n ${fileDescriptorLimit} && exec "$@"`, 'bash', ...node];
  return new Promise((resolve) => {
    execFile(
      file as string,
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
