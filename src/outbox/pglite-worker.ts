/**
 * The worker-thread side of the embedded store (see pglite-thread.ts): starts PGlite on
 * `<directory>/pgdata` (creating it first when asked) and answers the main thread's calls, one
 * message each. PGlite runs here, not
 * on the application's thread, because it can spin forever (a write-ahead log write failing on a
 * full disk): the main thread then terminates this thread instead of freezing with it.
 *
 * Self-contained (only Node built-ins and PGlite's own modules): Node runs it as a file of its own.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/** What the main thread gives the worker. */
export interface PgliteWorkerData {
  directory: string;
  skipFsync: boolean;
  /** Creates the database first: the directory holds none (store-directory.ts said `'new'`). */
  create: boolean;
}

/** A call from the main thread. */
export interface PgliteCall {
  id: number;
  method: 'query' | 'exec' | 'transaction' | 'close';
  text?: string;
  values?: unknown[];
  /** A transaction's statements. */
  statements?: readonly { text: string; values: unknown[] }[];
}

/** An answer to a call (`id`), or, with id 0, to the start. */
export type PgliteAnswer =
  | { id: number; result: unknown }
  | { id: number; error: { name: string; message: string; fields: Record<string, unknown> } };

if (parentPort) void serve(workerData as PgliteWorkerData);

async function serve({ directory, skipFsync, create }: PgliteWorkerData): Promise<void> {
  const port = parentPort as NonNullable<typeof parentPort>;
  let pglite: PGlite;
  try {
    if (create) await createDatabase(directory, skipFsync);
    pglite = await startPglite(`${directory}/pgdata`, skipFsync);
  } catch (error) {
    port.postMessage(errorAnswer(0, error));
    return;
  }
  port.on('message', (call: PgliteCall) => {
    answer(pglite, call).then(
      (result) => port.postMessage({ id: call.id, result }),
      (error: unknown) => port.postMessage(errorAnswer(call.id, error)),
    );
  });
  port.postMessage({ id: 0, result: 'ready' });
}

async function answer(
  pglite: PGlite,
  { method, text = '', values, statements = [] }: PgliteCall,
): Promise<unknown> {
  if (method === 'close') return pglite.close();
  if (method === 'exec') return (await pglite.exec(text)).map(({ rows }) => ({ rows }));
  // PGlite's transaction holds its one connection: the calls that come meanwhile wait, not join it.
  if (method === 'transaction')
    return pglite.transaction(async (tx) => {
      for (const statement of statements) await tx.query(statement.text, statement.values);
    });
  const { rows, affectedRows } = await pglite.query(text, values);
  return { rows, affectedRows };
}

/** The error's name, message and primitive fields (PostgreSQL's `code`, `detail`...): cloneable. */
function errorAnswer(id: number, error: unknown): PgliteAnswer {
  const source = error instanceof Error ? error : new Error(String(error));
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source))
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  return { id, error: { name: source.name, message: source.message, fields } };
}

/**
 * Creates the database in `<directory>/pgdata.creating`, then renames it `pgdata`, so that `pgdata`
 * appears complete or not at all: PGlite takes seconds to write a new database's files, and a process
 * killed meanwhile (a container stopped on its first start) would leave a `pgdata` PGlite cannot
 * start, refused at every later open. A `pgdata.creating` left by such a process is removed first: it
 * never held a job. `pgdata` itself, if present, is the empty directory of an older release's killed
 * first open (`rmdirSync` removes nothing else).
 */
async function createDatabase(directory: string, skipFsync: boolean): Promise<void> {
  const creating = `${directory}/pgdata.creating`;
  const pgdata = `${directory}/pgdata`;
  rmSync(creating, { recursive: true, force: true });
  if (existsSync(pgdata)) rmdirSync(pgdata);
  await (await startPglite(creating, skipFsync)).close();
  // PGlite writes a new database without flushing it: its files reach the disk before the rename
  // does, so that a power cut cannot leave a `pgdata` whose files are missing.
  if (!skipFsync) for (const path of filesIn(creating)) flush(path);
  renameSync(creating, pgdata);
  if (!skipFsync) flush(directory);
}

/** Every file and directory under `directory`, the deepest first, then `directory` itself. */
function filesIn(directory: string): string[] {
  const entries = readdirSync(directory, { recursive: true }).map((name) => `${directory}/${name}`);
  return [...entries.reverse(), directory];
}

/** Flushes a file, or the entries of a directory, to the disk. */
function flush(path: string): void {
  const descriptor = openSync(path, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Starts PGlite on `dataDir` with fsync on, unless `skipFsync`: a commit resolves once its write-ahead log is
 * flushed to the disk, so a committed job survives a power cut or a kernel crash, not only the
 * process being killed.
 *
 * PGlite starts PostgreSQL with `-F` (fsync off), and its Node file system (Emscripten's NODEFS)
 * turns `fsync` and `fdatasync` into nothing (electric-sql/pglite#1107). So this drops `-F`, gives
 * NODEFS the fsync it lacks (Node's `fsyncSync` on the file's descriptor, through the `preRun` hook
 * that PGlite's file systems mount themselves with), and has the log flushed with `fsync` rather
 * than the `fdatasync` that would still do nothing.
 */
function startPglite(dataDir: string, skipFsync: boolean): Promise<PGlite> {
  if (skipFsync) return PGlite.create(dataDir);
  class DurableNodeFS extends NodeFS {
    override async init(pg: PGlite, options: Parameters<NodeFS['init']>[1]) {
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
