import { StoreTimeoutError, type StoreUnavailableCode, StoreUnavailableError } from './errors';

/**
 * Turns a failure to open a PostgreSQL store into an error that names the server (never a password),
 * the cause and the next step: a {@link StoreUnavailableError} with a `code`, or the
 * StoreTimeoutError as it is. The driver's or server's own message is kept, redacted, after the cause.
 */
export function explainOpenFailure(error: unknown, connectionString: string, location: string): Error {
  if (error instanceof StoreTimeoutError) return error;
  const raw = redact(error instanceof Error ? error.message : String(error), connectionString);
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const [kind, cause, next] = classify(code, raw, connectionString);
  return new StoreUnavailableError(
    kind,
    `Cannot open the PostgreSQL store at ${location}: ${cause} (${raw.slice(0, 200)}). ${next}`,
    { cause: error },
  );
}

/** Node's codes for a server that cannot be reached at that address. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOENT',
]);

function classify(
  code: string,
  raw: string,
  connectionString: string,
): [StoreUnavailableCode, string, string] {
  if (UNREACHABLE.has(code) || /^Connection terminated unexpectedly$/.test(raw)) {
    const noHost =
      hostOf(connectionString) === '' ? '; the connection string names no host, so localhost was tried' : '';
    return [
      'store_unreachable',
      `no PostgreSQL server answers at that address${noHost}`,
      'Check the host and port, that the server runs, and that it accepts connections from this machine.',
    ];
  }
  if (code === '28P01' || code === '28000')
    return [
      'store_auth_failed',
      'the server refused the role or its password',
      "Check the user and password of the connection string, and the server's pg_hba.conf.",
    ];
  if (code === '3D000')
    return [
      'store_database_missing',
      'the database does not exist',
      'Create it (CREATE DATABASE), or fix the database name in the connection string.',
    ];
  if (code === '53300')
    return [
      'store_refused',
      'the server has no connection slot left',
      "Lower store.maxConnections and store.enqueueConnections, or raise the server's max_connections.",
    ];
  if (/SSL|TLS|certificate/i.test(raw))
    return [
      'store_refused',
      'the TLS negotiation failed',
      'Make sslmode in the connection string match what the server offers.',
    ];
  return [
    'store_refused',
    /^[0-9A-Z]{5}$/.test(code)
      ? `the server refused the connection (SQLSTATE ${code})`
      : 'the connection failed',
    "Read the server's message in parentheses, fix the connection string or the server, and open again.",
  ];
}

function hostOf(connectionString: string): string | undefined {
  try {
    return new URL(connectionString).hostname;
  } catch {
    return undefined;
  }
}

/** Removes the connection string and its password from a message, whatever the driver put in it. */
function redact(message: string, connectionString: string): string {
  let text = message.replaceAll(connectionString, '<connection string>');
  try {
    const { password } = new URL(connectionString);
    for (const form of new Set([password, decodeURIComponent(password)]))
      if (form.length > 0) text = text.replaceAll(form, '***');
  } catch {
    // not a URL: the connection string itself was removed above
  }
  return text;
}
