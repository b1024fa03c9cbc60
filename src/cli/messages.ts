/**
 * The core's messages name its options (`baseUrl`, `allowInsecureHttp: true`, ...); the CLI's user
 * knows flags. Each pattern is replaced by the flag that sets the option.
 */
const FLAG_FOR_OPTION: ReadonlyArray<[RegExp, string]> = [
  [/\bset allowInsecureHttp(: true)?/g, 'add --allow-insecure-http'],
  [/\ballowInsecureHttp(: true)?/g, '--allow-insecure-http'],
  [/\bbaseUrl\b/g, '--base-url'],
  [/\btimeoutMs\b/g, '--timeout-ms'],
  [/\bbodyEncoding\b/g, '--encoding'],
  [/\bclientAuthentication\b/g, '--auth'],
  [/\btokenTypeHint\b/g, '--hint'],
  [/\btreatInvalidTokenAsRevoked\b/g, '--treat-invalid-as-revoked'],
];

/** A number of milliseconds with a fraction ("within 1908.4204739999986 ms"). */
const FRACTIONAL_MS = /\b(\d+\.\d+) ?ms\b/g;

/** A message of the core in the CLI's words: flags for option names, whole milliseconds. */
export function inCliWords(message: string): string {
  let text = message;
  for (const [pattern, flag] of FLAG_FOR_OPTION) text = text.replace(pattern, flag);
  return text.replace(FRACTIONAL_MS, (_, ms: string) => `${Math.round(Number(ms))} ms`);
}

/** A duration for people: whole seconds from 10 s up, else one decimal. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return seconds >= 10 ? `${Math.round(seconds)} s` : `${seconds.toFixed(1)} s`;
}
