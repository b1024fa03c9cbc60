/** digilocker-revocation/opentelemetry, as the CLI uses it. */
export type Telemetry = typeof import('../opentelemetry');

let loading: Promise<Telemetry | undefined> | undefined;

/**
 * digilocker-revocation/opentelemetry when `@opentelemetry/api` can be loaded where the CLI runs (an
 * SDK preloaded with `node --import`), else undefined: the CLI then runs as it always did. Loaded once.
 */
export function loadTelemetry(): Promise<Telemetry | undefined> {
  loading ??= import('../opentelemetry').catch(() => undefined);
  return loading;
}

/**
 * A warning for a run whose command wanted telemetry (it revoked or queued tokens) while it was off
 * because `@opentelemetry/api` cannot be loaded from where the CLI is installed (a global install,
 * say), and `OTEL_*` variables say telemetry was wanted (`OTEL_SDK_DISABLED=true` aside): a preloaded
 * SDK then got nothing, silently. Undefined otherwise.
 */
export async function telemetryOffWarning(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (loading === undefined || env.OTEL_SDK_DISABLED === 'true') return undefined;
  if (!Object.keys(env).some((name) => name.startsWith('OTEL_'))) return undefined;
  if ((await loading) !== undefined) return undefined;
  return (
    'warning: OTEL_* is set, but @opentelemetry/api cannot be loaded from where ' +
    'digilocker-revoke is installed: this run reported no telemetry (install @opentelemetry/api beside it)\n'
  );
}

/** The span of a command, when telemetry is on: the command may put its counts on it. */
export type CommandSpan = { setAttribute(name: string, value: number): void };

/**
 * Runs a command under its span (`digilocker-revoke <command>`, with its exit code) when telemetry is
 * on (see {@link loadTelemetry}); else just runs it, with no span.
 */
export async function traced(
  command: string,
  run: (span: CommandSpan | undefined) => Promise<number>,
): Promise<number> {
  const telemetry = await loadTelemetry();
  return telemetry ? telemetry.traceCommand(command, (span) => run(span)) : run(undefined);
}
