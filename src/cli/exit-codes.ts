/** The exit codes of `digilocker-revoke`. */
export const EXIT = {
  /** Every token revoked (or already invalid, when that counts as success). */
  ok: 0,
  /** At least one token failed. */
  failed: 1,
  /** Usage or configuration error. */
  usage: 2,
  /** Stopped by a signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT), after finishing what was in flight. */
  interrupted: 130,
} as const;

/** A usage or configuration error: one line on stderr with a hint to `--help`, then exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Exit 2 like a {@link UsageError}, without the hint to `--help`, which would not help: the arguments
 * were right, and what they name refused (a store or journal held by another process, a store that
 * cannot be opened, credentials DigiLocker refused).
 */
export class RefusedError extends UsageError {
  override name = 'RefusedError';
}

/**
 * Exit 1 without the hint to `--help`: a file the run must write cannot be written as it starts (a
 * full disk: ENOSPC; a size limit: EFBIG; a disk error: EIO), as a write that fails mid-run stops the
 * run with exit 1. The arguments were right; the disk was not.
 */
export class WriteFailedError extends Error {
  override name = 'WriteFailedError';
}
