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
