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
 * Runs a command under its span (`digilocker-revoke <command>`, with its exit code) when telemetry is
 * on (see {@link loadTelemetry}); else just runs it.
 */
export async function traced(command: string, run: () => Promise<number>): Promise<number> {
  const telemetry = await loadTelemetry();
  return telemetry ? telemetry.traceCommand(command, () => run()) : run();
}
