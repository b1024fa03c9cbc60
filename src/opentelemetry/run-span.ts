import { context, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { VERSION } from '../options';
import { errorType } from './error-type';
import { SCOPE } from './names';
import { safely, startSpan } from './safely';

/** The attribute of a command's exit code, as the process conventions name it. */
const EXIT_CODE = 'process.exit.code';

/**
 * Runs a command of the `digilocker-revoke` CLI in its INTERNAL span `digilocker-revoke <command>`:
 * the spans of its revocations are its children. `run` resolves with the exit code, which the span
 * records (`process.exit.code`; an exit code other than 0 sets the span's status to error); `run` may
 * add counts to the span it receives. Without an OpenTelemetry SDK registered, a no-op; a failing
 * tracer or span processor changes nothing of the command.
 *
 * @example
 * const code = await traceCommand('revoke', async (span) => {
 *   span.setAttribute('digilocker.revoked', 3);
 *   return 0;
 * });
 */
export async function traceCommand(
  command: string,
  run: (span: { setAttribute(name: string, value: string | number | boolean): void }) => Promise<number>,
  tracer?: Tracer,
): Promise<number> {
  const span = startSpan(() => tracer ?? trace.getTracer(SCOPE, VERSION), `digilocker-revoke ${command}`, {});
  try {
    const exitCode = await context.with(trace.setSpan(context.active(), span), () =>
      run({ setAttribute: (name, value) => safely(() => span.setAttribute(name, value)) }),
    );
    safely(() => {
      span.setAttribute(EXIT_CODE, exitCode);
      if (exitCode !== 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `exit code ${exitCode}` });
    });
    return exitCode;
  } catch (error) {
    const type = errorType(error);
    safely(() => {
      span.setAttribute('error.type', type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    });
    throw error;
  } finally {
    safely(() => span.end());
  }
}
