import type { Readable } from 'node:stream';

/**
 * The signals that stop a run as Ctrl-C does: SIGINT, SIGTERM (a service manager, `kill`), SIGHUP (the
 * terminal or SSH session went away) and SIGQUIT (Ctrl-\). Each would otherwise kill the process with
 * no summary and the journal's lock left behind.
 */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** The process around a command: streams, environment, signals and exit; injectable for tests. */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Calls `handler` on every signal of {@link STOP_SIGNALS}; returns a function that stops listening. */
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
      for (const signal of STOP_SIGNALS) process.on(signal, handler);
      return () => {
        for (const signal of STOP_SIGNALS) process.off(signal, handler);
      };
    },
    exit: (code) => process.exit(code),
  };
}
