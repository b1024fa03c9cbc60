// The `digilocker-revoke` executable (built to dist/cli.js; tsup adds the shebang).

import { setTimeout as delay } from 'node:timers/promises';
import { execute } from './execute';
import { EXIT } from './exit-codes';
import { processIo, STOP_SIGNALS } from './io';
import { STOP_WAIT_MS } from './output';
import { loadTelemetry, telemetryOffWarning } from './telemetry';

// A listener for the whole life of the process, so that a signal never meets its default action, which
// kills the process wherever it is (mid-write of the summary, say). While a command runs, the command's
// own handler decides what a signal does; with no other listener a signal ends the process at once:
// with 130 until the command's output is flushed (it may be incomplete), then with the command's own
// code (only the telemetry left to flush is cut short).
let finished: number | undefined;
const onSignal = (signal: NodeJS.Signals) => {
  if (process.listenerCount(signal) === 1) process.exit(finished ?? EXIT.interrupted);
};
for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
// A failed write to stdout (EPIPE: its reader went away) or stderr is never a crash: the revoke command
// handles stdout's failures itself (stops, summary on stderr); the rest of the output is best effort.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const code = await execute(process.argv.slice(2), processIo());
const telemetryOff = await telemetryOffWarning(process.env);
if (telemetryOff) process.stderr.write(telemetryOff);
// Exit explicitly once the output is flushed: a standard input left open by the caller must not keep
// the process alive after the work is done. After a signal, a reader of stdout that stopped reading
// (a paused `| less`) holds the exit up for STOP_WAIT_MS at most: the command counted what it could
// not write.
const stdoutFlushed = flush(process.stdout);
await Promise.all([
  code === EXIT.interrupted ? Promise.race([stdoutFlushed, delay(STOP_WAIT_MS)]) : stdoutFlushed,
  flush(process.stderr),
]);
finished = code;
// Spans a preloaded SDK still holds would be lost at process.exit().
await (await loadTelemetry())?.flushTelemetry();
process.exit(code);

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}
