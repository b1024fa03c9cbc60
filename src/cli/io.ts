import { once } from 'node:events';
import type { Readable } from 'node:stream';

/** The process around a command: streams, environment, signals and exit; injectable for tests. */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Calls `handler` on every SIGINT or SIGTERM; returns a function that stops listening. */
  onInterrupt(handler: () => void): () => void;
  /** Ends the process at once with `code` (a second Ctrl-C). */
  exit(code: number): never;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    exit: (code) => process.exit(code),
  };
}

/**
 * Writes one line; when the stream's buffer is full (a slow reader of `--json` output), waits for it
 * to drain, which in turn slows the pull of new tokens instead of growing memory.
 */
export async function writeLine(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(`${text}\n`)) await once(stream, 'drain');
}
