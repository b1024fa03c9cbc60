// The CLI over a large token file: `digilocker-revoke revoke --file F ...` in a child process, with
// its peak resident set size read from /proc, against revokeMany in-process over the same file.
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** True once the CLI is built. */
export function cliIsBuilt() {
  return existsSync(CLI_PATH);
}

/**
 * Creates a temporary directory holding `tokens.txt` with `count` distinct 40-character tokens, one a
 * line. Resolves with `{ directory, file, remove() }`; nothing is written inside the repository.
 */
export async function writeTokenFile(count) {
  const directory = await mkdtemp(join(tmpdir(), 'digilocker-bench-'));
  const file = join(directory, 'tokens.txt');
  const handle = await open(file, 'w');
  try {
    const linesPerChunk = 10_000;
    for (let start = 0; start < count; start += linesPerChunk) {
      let chunk = '';
      for (let i = start; i < Math.min(count, start + linesPerChunk); i++) {
        chunk += `${i.toString(16).padStart(8, '0')}c0ffee00deadbeef0123456789abcdef\n`;
      }
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  return { directory, file, remove: () => rm(directory, { recursive: true, force: true }) };
}

/**
 * Runs the CLI once, stdout to /dev/null, in `cwd` (the temporary directory: whatever the CLI writes
 * beside its input stays out of the repository). Samples /proc/<pid>/status while it runs: VmHWM is
 * the peak RSS so far, so the last sample before exit is the peak to within one interval.
 */
export async function runCli({ file, baseUrl, concurrency, json, cwd, env, cliPath = CLI_PATH }) {
  const args = [
    cliPath,
    'revoke',
    '--file',
    file,
    '--base-url',
    baseUrl,
    '--concurrency',
    String(concurrency),
  ];
  if (json) args.push('--json');
  const devNull = openSync('/dev/null', 'w');
  const startedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', devNull, 'pipe'],
  });
  closeSync(devNull);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    // Keep the end: that is where a failure is explained.
    stderr = (stderr + text).slice(-4_000);
  });
  let peakKb = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      if (kb > peakKb) peakKb = kb;
    } catch {
      // Gone already: the previous sample stands.
    }
  };
  const sampler = setInterval(sample, 25);
  const exitCode = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? signal));
  }).finally(() => clearInterval(sampler));
  const elapsedNs = Number(process.hrtime.bigint() - startedAt);
  return { exitCode, elapsedNs, peakRssMb: peakKb / 1024, stderr };
}

/** revokeMany in this process over the lines of `file`, read lazily as a user of the library would. */
export async function revokeManyOverFile(client, file, concurrency) {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  const tokens = (async function* () {
    for await (const line of lines) if (line) yield line;
  })();
  const startedAt = process.hrtime.bigint();
  let revoked = 0;
  for await (const outcome of client.revokeMany(tokens, { concurrency })) {
    if (!outcome.ok) throw outcome.error;
    revoked++;
  }
  return { tokens: revoked, elapsedNs: Number(process.hrtime.bigint() - startedAt) };
}
