// What the outbox tests share: keys, scratch directories, a client on the mock DigiLocker, and the
// PostgreSQL server of scripts/start-postgres.sh (DIGILOCKER_TEST_DATABASE_URL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createRevocationClient, type RevocationClient, type RevocationClientOptions } from '../../src';
import { generateEncryptionKey } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';

/** A key for the tests of one file. */
export const KEY = generateEncryptionKey();

/** The PostgreSQL server for the tests, when one was started. */
export const DATABASE_URL = process.env.DIGILOCKER_TEST_DATABASE_URL;

/**
 * `describe` for tests that need PostgreSQL: in CI they always run (and fail without a server);
 * elsewhere, without DIGILOCKER_TEST_DATABASE_URL, they are skipped with a printed reason.
 */
export function describeWithPostgres(name: string, body: () => void): void {
  if (DATABASE_URL || process.env.CI) {
    describe(name, () => {
      beforeAll(() => {
        if (!DATABASE_URL)
          throw new Error(
            'CI is set but DIGILOCKER_TEST_DATABASE_URL is not: run scripts/start-postgres.sh first',
          );
      });
      body();
    });
    return;
  }
  process.stdout.write(
    `skipping "${name}": no PostgreSQL (run: eval "$(bash scripts/start-postgres.sh)" to start one)\n`,
  );
  describe.skip(name, body);
}

/** A PostgreSQL schema of the test's own, so that tests never share a queue. */
export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A database of the suite's own on the test server, for what uses the outbox's default schemas (the
 * CLI): created before the suite's tests and dropped after them, its outbox schemas dropped before
 * each test. Returns its connection string. Call it in a `describeWithPostgres` body.
 */
export function useOwnDatabase(prefix: string): string {
  const database = uniqueSchema(prefix);
  const url = new URL(DATABASE_URL ?? 'postgres://unset');
  url.pathname = `/${database}`;
  let admin: pg.Pool;
  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    await admin.query(`CREATE DATABASE ${database}`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });
  beforeEach(async () => {
    const pool = new pg.Pool({ connectionString: url.href, max: 1 });
    await pool.query('DROP SCHEMA IF EXISTS digilocker_outbox, digilocker_outbox_pause CASCADE');
    await pool.end();
  });
  return url.href;
}

/** A fresh temporary directory, removed by the returned function. */
export function scratchDirectory(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'digilocker-outbox-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * The mock DigiLocker and a scratch directory for the tests of one file: the mock starts before them,
 * and after them it is closed and the directory removed. `mock()` is the running mock.
 */
export function useMockAndScratch(): { mock: () => MockDigiLocker; scratch: { path: string } } {
  let mock: MockDigiLocker | undefined;
  const scratch = scratchDirectory();
  beforeAll(async () => {
    mock = await startMockDigiLocker();
  });
  afterAll(async () => {
    await mock?.close();
    scratch.remove();
  });
  return {
    mock: () => {
      if (mock === undefined) throw new Error('the mock DigiLocker starts in beforeAll');
      return mock;
    },
    scratch,
  };
}

/** A client of the mock with quick retries, so that a failing attempt ends fast. */
export function clientOf(
  mock: MockDigiLocker,
  options: Partial<RevocationClientOptions> = {},
): RevocationClient {
  return createRevocationClient({
    baseUrl: mock.baseUrl,
    credentials: { clientId: mock.clientId, clientSecret: mock.clientSecret },
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20, maxElapsedMs: 2000 },
    timeoutMs: 2000,
    ...options,
  });
}

/** Resolves when `predicate` holds, checking every 20 ms; rejects after `timeoutMs`. */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What `promise` did within `ms`: 'resolved', the error it rejected with, or 'pending'. */
export async function within(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => 'resolved',
        (error: unknown) => error,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
