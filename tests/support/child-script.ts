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

/**
 * Runs `script` (an ES module body; `lib` is the core entry, imported for it) with `env`, and resolves
 * with its exit code and output. Fails clearly when the package has not been built.
 */
export function runChildScript(script: string, env: Record<string, string> = {}): Promise<ChildResult> {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` before the tests`);
  const source = `import * as lib from ${JSON.stringify(DIST)};\n${script}`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', source],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
