// The `digilocker-revoke` executable (built to dist/cli.js; tsup adds the shebang).
import { EXIT } from './exit-codes';
import { processIo } from './io';
import { runCli } from './run';

let code: number;
try {
  code = await runCli(process.argv.slice(2), processIo());
} catch (error) {
  // Unexpected: the error's name and message only (they never hold a token or secret), exit 1.
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`digilocker-revoke: unexpected ${name}: ${message}\n`);
  code = EXIT.failed;
}
// Exit explicitly once the output is flushed: a standard input left open by the caller must not keep
// the process alive after the work is done.
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}
