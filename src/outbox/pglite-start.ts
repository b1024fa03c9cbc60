import { fsyncSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { loadOptional, loadPglite } from './load';

/**
 * Starts PGlite on `<directory>/pgdata` with fsync on, unless `skipFsync`: a query that commits
 * resolves once its write-ahead log is flushed to the disk, so a committed job survives a power cut
 * or a kernel crash, not only the process being killed.
 *
 * PGlite starts PostgreSQL with `-F` (fsync off), and its Node file system (Emscripten's NODEFS)
 * turns `fsync` into nothing and `fdatasync` into nothing (electric-sql/pglite#1107). So this drops
 * `-F`, gives NODEFS the fsync it lacks (Node's own `fsyncSync` on the file's descriptor, through the
 * `preRun` hook that PGlite's file systems use to mount themselves), and has the log flushed with
 * `fsync` rather than the `fdatasync` that would still do nothing.
 */
export async function startPglite(directory: string, skipFsync: boolean): Promise<PGlite> {
  const { PGlite } = await loadPglite();
  const { NodeFS } = await loadOptional('@electric-sql/pglite', () => import('@electric-sql/pglite/nodefs'));
  const dataDir = `${directory}/pgdata`;
  if (skipFsync) return PGlite.create(dataDir);
  class DurableNodeFS extends NodeFS {
    override async init(pg: PGlite, options: Parameters<InstanceType<typeof NodeFS>['init']>[1]) {
      const { emscriptenOpts } = await super.init(pg, options);
      const preRun = [...toArray(emscriptenOpts.preRun), addFsync];
      return { emscriptenOpts: { ...emscriptenOpts, preRun } };
    }
  }
  return PGlite.create({
    fs: new DurableNodeFS(dataDir),
    startParams: [
      ...PGlite.defaultStartParams.filter((parameter) => parameter !== '-F'),
      '-c',
      'wal_sync_method=fsync',
    ],
  });
}

/** A file stream of NODEFS: `nfd` is the host's descriptor (directories have none). */
interface NodefsStream {
  nfd?: number;
}

function addFsync(module: unknown): void {
  const { NODEFS } = module as { NODEFS: { stream_ops: { fsync?: (stream: NodefsStream) => void } } };
  NODEFS.stream_ops.fsync = (stream) => {
    if (stream.nfd !== undefined) fsyncSync(stream.nfd);
  };
}

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
