import { type Command, Option } from 'commander';
import { DEFAULTS, ENVIRONMENTS } from '../index';
import { UsageError } from './exit-codes';

/** The `--auth` choices. */
const AUTH_METHODS = ['basic', 'post', 'bearer'] as const;
/** The `--auth` choice of each client authentication method. */
const AUTH_FOR = { client_secret_basic: 'basic', client_secret_post: 'post' } as const;

/**
 * Where `revoke` and `outbox drain` send their requests and how they authenticate: the deployment, the
 * body, the proxy.
 */
export function addDeploymentOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--env <environment>', 'the DigiLocker deployment')
        .choices(Object.keys(ENVIRONMENTS))
        .default(DEFAULTS.environment),
    )
    .option(
      '--base-url <url>',
      'base URL including /public, instead of --env (plain http only on loopback), e.g. http://127.0.0.1:8080/public',
    )
    .option('--allow-insecure-http', 'allow a plain http --base-url on a host that is not loopback')
    .addOption(
      new Option('--encoding <encoding>', 'request body: form (partner specification) or json (API listing)')
        .choices(['form', 'json'])
        .default(DEFAULTS.bodyEncoding),
    )
    .addOption(
      new Option(
        '--auth <method>',
        'client authentication: HTTP Basic, client_secret_post in the body, or a Bearer token',
      )
        .choices(AUTH_METHODS)
        .default(AUTH_FOR[DEFAULTS.clientAuthentication]),
    )
    .addOption(
      new Option(
        '--proxy <url>',
        'send requests through this HTTP proxy (HTTPS through CONNECT), without a user or password (put ' +
          'those in HTTPS_PROXY); default: HTTPS_PROXY, HTTP_PROXY, NO_PROXY',
      ).argParser(proxyWithoutUserInfo),
    );
}

/**
 * `--proxy`'s value, refused when it holds a user or password: a process's command line is readable by
 * every other process (`ps`, /proc/PID/cmdline), its environment is not. Checked as parsed, before any
 * request; the URL's own parser decides (`http:user:pw@host` has a user too), and a URL it cannot parse
 * is refused when it looks like one with a user.
 * @throws {UsageError} naming neither the URL nor its password.
 */
function proxyWithoutUserInfo(value: string): string {
  if (hasUserInfo(value))
    throw new UsageError(
      '--proxy must not hold a user or password, which other processes can read on the command line: ' +
        'give that proxy URL in HTTPS_PROXY (HTTP_PROXY for a plain-http base URL) instead',
    );
  return value;
}

function hasUserInfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.password !== '') return true;
  } catch {}
  return URL_WITH_USER_INFO.test(url.trim());
}

/** `scheme://user@` or `scheme://user:password@` at the start of a text. */
const URL_WITH_USER_INFO = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;

/** `--base-url` names the deployment, as `--env` does: both at once is a usage error. */
export function refuseBaseUrlWithEnv(flags: { baseUrl?: string }, command: Command): void {
  if (flags.baseUrl !== undefined && command.getOptionValueSource('env') === 'cli')
    throw new UsageError('--base-url and --env cannot be used together: --base-url names the deployment');
}
