// The embedded store's directory lock, and how a missing optional package is reported.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingDependencyError, StoreLockedError } from '../../src/outbox';
import { loadOptional } from '../../src/outbox/load';
import { lockDirectory } from '../../src/outbox/store-pglite';

describe('the directory lock', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'digilocker-outbox-lock-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));
  const lockFile = () => join(directory, 'outbox.lock');

  test('is taken with the host and pid, refused to this process a second time, and released', () => {
    const release = lockDirectory(directory);
    expect(readFileSync(lockFile(), 'utf8')).toMatch(
      new RegExp(`^${process.pid} ${hostname()} [0-9a-f-]{36}\n$`),
    );
    expect(() => lockDirectory(directory)).toThrow(StoreLockedError);
    release();
    expect(existsSync(lockFile())).toBe(false);
    lockDirectory(directory)();
  });

  test('left by a process that is gone (killed), it is taken over', () => {
    writeFileSync(lockFile(), `${hostname()} 2147483646\n`); // release 0.1's format
    const release = lockDirectory(directory);
    expect(readFileSync(lockFile(), 'utf8')).toMatch(new RegExp(`^${process.pid} ${hostname()} `));
    release();
  });

  test('held by a live process, or by another host, it is refused and left as it is', () => {
    writeFileSync(lockFile(), `${hostname()} ${process.ppid}\n`);
    expect(() => lockDirectory(directory)).toThrow(`is open in process ${process.ppid}`);
    writeFileSync(lockFile(), 'another-host 42\n');
    expect(() => lockDirectory(directory)).toThrow(/host another-host/);
    expect(readFileSync(lockFile(), 'utf8')).toBe('another-host 42\n');
  });

  test('a directory that cannot be created is the file system error', () => {
    writeFileSync(join(directory, 'file'), '');
    expect(() => lockDirectory(join(directory, 'file', 'store'))).toThrow(/ENOTDIR|EEXIST/);
  });
});

describe('loading an optional package', () => {
  const notFound = (message: string, code = 'ERR_MODULE_NOT_FOUND') =>
    Object.assign(new Error(message), { code });

  test('a missing package is one line naming it', async () => {
    const error = await loadOptional('pg-boss', () =>
      Promise.reject(notFound("Cannot find module 'pg-boss'", 'MODULE_NOT_FOUND')),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect(error).toMatchObject({ code: 'missing_dependency', packageName: 'pg-boss' });
    expect(error.message).toBe(
      'digilocker-revocation/outbox needs the package "pg-boss": npm install "pg-boss@^12.38.1"',
    );
  });

  test('a file missing inside the package, or any other failure, is passed on as it is', async () => {
    const inside = notFound("Cannot find module 'cron-parser' required by pg-boss");
    await expect(loadOptional('pg-boss', () => Promise.reject(inside))).rejects.toBe(inside);
    const other = new SyntaxError('Unexpected token');
    await expect(loadOptional('pg', () => Promise.reject(other))).rejects.toBe(other);
    await expect(loadOptional('pg', () => Promise.reject('text'))).rejects.toBe('text');
  });

  test('an installed package is returned', async () => {
    await expect(loadOptional('pg', () => Promise.resolve(42))).resolves.toBe(42);
  });
});
