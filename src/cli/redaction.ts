import { isPostgresUrl } from '../outbox/store';
import { REDACTED } from '../redact';
import { anywhereRedactor, fragmentsRedactor } from './secret-echoes';

/** How an option's value is shown in a usage error. */
export type ValueKind = 'path' | 'word';

/**
 * The shortest secret (or hidden argument) redacted wherever it occurs, in every echo form. A shorter
 * one (a proxy user `u`, a password `proxy`) is a piece of ordinary text too: replaced inside words, it
 * would wreck every message (`--[REDACTED]roxy`) while protecting nothing, as a secret that short is
 * guessed, not hidden.
 */
const MIN_REDACTED_ANYWHERE = 8;

/**
 * A redactor of the given secrets, in a text rid of its {@link INVISIBLE} characters first. One of
 * {@link MIN_REDACTED_ANYWHERE} characters or more is replaced in each of its echo forms, anywhere
 * ({@link anywhereRedactor}), and so is each long run of its characters, as a server that cuts an echo
 * short or wraps it across lines shows it ({@link fragmentsRedactor}). A shorter one is replaced only
 * where it stands whole, as written or percent-encoded, with no letter or digit on either side: a word,
 * or a part of a URL (`http://u:p@proxy` gives `http://[REDACTED]@proxy`).
 */
export function secretsRedactor(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
  const given = secrets.filter((secret): secret is string => secret !== undefined && secret !== '');
  // A secret with an invisible character in it is looked for without it too, as the text will be.
  const present = [...new Set(given.flatMap((secret) => [secret, withoutInvisible(secret)]))];
  const long = present.filter((secret) => secret.length >= MIN_REDACTED_ANYWHERE);
  const anywhere = anywhereRedactor(long);
  const fragments = fragmentsRedactor(long);
  const short = present.filter((secret) => secret.length < MIN_REDACTED_ANYWHERE);
  if (short.length === 0) return (text) => fragments(anywhere(withoutInvisible(text)));
  const forms = [...new Set(short.flatMap((secret) => [secret, encodeURIComponent(secret)]))];
  // The longest first, so that `u:p` is replaced whole rather than its `p`.
  const alternatives = forms.sort((a, b) => b.length - a.length).map(escapeRegExp);
  const whole = new RegExp(`(?<![A-Za-z0-9])(?:${alternatives.join('|')})(?![A-Za-z0-9])`, 'g');
  return (text) => fragments(anywhere(withoutInvisible(text))).replace(whole, REDACTED);
}

/**
 * Characters that show nothing (`\p{Cf}`: zero-width space and joiners, soft hyphen, word joiner, byte
 * order mark, bidirectional controls, tags): text made from HTML has them inside long words to let
 * them wrap (`<wbr>`, hyphenation), which hides a token from every pattern while it shows whole.
 */
const INVISIBLE = /\p{Cf}/gu;

/** `text` without its {@link INVISIBLE} characters: what it shows, and what is redacted. */
function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * Redacts one value's echoes from a text as {@link secretsRedactor} does (a token of 8 characters or
 * more anywhere, in every form; a shorter one where it stands whole): for a value seen once (a token's
 * error message), whose redactor is used once and not kept. The client redacted the server's words
 * (in its error) already; this pass guards the client's own words, which a short token (`in`, `Dig`)
 * would otherwise wreck (`the token is [REDACTED]valid`).
 */
export function redactEchoes(text: string, value: string): string {
  return secretsRedactor([value])(text);
}

/** The environment's proxy variables, in both cases (undici reads both). */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

/**
 * What no output may show: the client secret, bearer token and outbox keys from the environment, and
 * the user information of the URLs in the environment (proxies, the outbox's store) and in `values`
 * (the arguments, or `--proxy`).
 */
export function secretsOf(env: NodeJS.ProcessEnv, values: ReadonlyArray<string | undefined> = []): string[] {
  const keys = (env.DIGILOCKER_OUTBOX_KEYS ?? '').split(',').map((key) => key.trim());
  const secrets = [env.DIGILOCKER_CLIENT_SECRET, env.DIGILOCKER_ACCESS_TOKEN, ...keys].filter(
    (secret): secret is string => secret !== undefined && secret !== '',
  );
  const urls = [...PROXY_VARIABLES, 'DIGILOCKER_OUTBOX_STORE'].map((name) => env[name]);
  return [...secrets, ...userInfoSecrets([...values, ...urls])];
}

/** The user information of every URL in a text: `http://user:password@proxy:3128` gives `user:password`. */
const URL_USER_INFO = /[a-z][a-z0-9+.-]*:\/\/([^/?#@\s]+)@/gi;

/**
 * The secrets of URLs (`--proxy`, HTTPS_PROXY, the outbox's store, ...) to redact with the
 * credentials: the user information of each URL in `values`, and its password, as written and
 * percent-decoded; of a PostgreSQL URL without a password, nothing.
 */
function userInfoSecrets(values: ReadonlyArray<string | undefined>): string[] {
  const secrets = new Set<string>();
  for (const value of values) {
    for (const [url, userInfo = ''] of value?.matchAll(URL_USER_INFO) ?? []) {
      const colon = userInfo.indexOf(':');
      // A database's user name alone (postgres://postgres@host/db) is no secret, and is a word of
      // every message about the store; a proxy's may be a token.
      if (colon < 0 && isPostgresUrl(url)) continue;
      const password = userInfo.slice(colon + 1);
      for (const secret of [userInfo, password]) {
        secrets.add(secret);
        secrets.add(safeDecode(secret));
      }
    }
  }
  return [...secrets].filter((secret) => secret !== '');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const OPTION_NAME = /^(--[a-z]+(-[a-z]+)*|-[a-zA-Z])$/;
const COMMAND_NAME = /^[a-z]+(-[a-z]+)*$/;
/**
 * A value shown as typed: a word, or a number of up to 9 digits before and after its point, negative or
 * not (`-5`, `1.5`: what a mistyped number looks like, and too short to be a token).
 */
const WORD_VALUE = /^([a-z]+([-_][a-z]+)*|-?(\d{1,9}(\.\d{0,9})?|\.\d{1,9}))$/;
const FILE_EXTENSION = /\.[A-Za-z][A-Za-z0-9]{0,5}$/;
const ALPHANUMERIC_RUN = /[A-Za-z0-9]{12,}/g;
/** A URL with a user (and maybe a password) before its host: `postgres://user:secret@host/db`. */
const USER_INFO = /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i;

/** Only the characters of standard base64 (whose `/` makes a token look like a path), 16 or more. */
const BASE64_TEXT = /^[A-Za-z0-9+/]{16,}={0,2}$/;

/**
 * True when a file path could be a token typed where a path belongs, or hold one: one of its
 * `/`-separated parts looks like a token (below), or the whole path is standard base64 (a token with
 * `/` in it, `AbC/dEf+123xyz/QWERTY987==`) with a part that mixes capitals, small letters and digits.
 * Ordinary paths (`logs/revoke.journal`, `/srv/tokens/leaked`, `./tokens.txt`) are none of these.
 */
export function looksLikeToken(path: string): boolean {
  const parts = path.split('/');
  if (parts.some(partLooksLikeToken)) return true;
  return BASE64_TEXT.test(path) && parts.some(mixesCaseAndDigits);
}

/**
 * A part of a path that looks like a token: no file extension, and a long run of letters mixed with
 * digits (hex, base64url, a JWT's parts).
 */
function partLooksLikeToken(part: string): boolean {
  if (FILE_EXTENSION.test(part)) return false;
  return (part.match(ALPHANUMERIC_RUN) ?? []).some((run) => /\d/.test(run) && /[A-Za-z]/.test(run));
}

function mixesCaseAndDigits(part: string): boolean {
  return /[A-Z]/.test(part) && /[a-z]/.test(part) && /\d/.test(part);
}

/**
 * The arguments a usage error must never quote: tokens given as arguments, anything after `--`, an
 * unknown option or a command that is not shaped like a name (a token that starts with `-`, say), a
 * value of a word option that is not a word or a number ({@link WORD_VALUE}), a path that looks like a token, and a URL
 * with a user or password in it (a `postgres://` store). File
 * paths, command names and option names are shown as typed. `valueKinds` maps each option that takes
 * a value to how its value is shown.
 */
export function argumentsToHide(argv: string[], valueKinds: ReadonlyMap<string, ValueKind>): string[] {
  const hidden: string[] = [];
  const hideValue = (kind: ValueKind, value: string) => {
    const shown = kind === 'path' ? !looksLikeToken(value) && !USER_INFO.test(value) : WORD_VALUE.test(value);
    if (!shown) hidden.push(value);
  };
  let commandSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i] as string;
    if (argument === '--') {
      hidden.push(...argv.slice(i + 1));
      break;
    }
    if (!argument.startsWith('-') || argument === '-') {
      if (commandSeen || !COMMAND_NAME.test(argument)) hidden.push(argument);
      commandSeen = true;
      continue;
    }
    const equals = argument.indexOf('=');
    const name = equals === -1 ? argument : argument.slice(0, equals);
    const kind = valueKinds.get(name);
    if (kind === undefined) {
      if (!OPTION_NAME.test(argument)) hidden.push(argument);
    } else if (equals !== -1) {
      hideValue(kind, argument.slice(equals + 1));
    } else if (i + 1 < argv.length) {
      hideValue(kind, argv[++i] as string);
    }
  }
  return hidden;
}

/**
 * The redactor of a usage error: the secrets from the environment as {@link secretsRedactor} redacts
 * them, and each hidden argument wherever it is quoted (`'…'`, as commander quotes) or, when long
 * enough not to be a common word ({@link MIN_REDACTED_ANYWHERE}), anywhere.
 */
export function usageRedactor(
  hidden: readonly string[],
  secrets: ReadonlyArray<string | undefined>,
): (text: string) => string {
  const ofSecrets = secretsRedactor(secrets);
  const ofArguments = anywhereRedactor(hidden.filter((value) => value.length >= MIN_REDACTED_ANYWHERE));
  const quoted = hidden.filter((value) => value !== '').map((value) => `'${value}'`);
  return (text) => {
    let result = text;
    for (const form of quoted) result = result.split(form).join(`'${REDACTED}'`);
    return ofSecrets(ofArguments(result));
  };
}
