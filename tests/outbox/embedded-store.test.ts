// The embedded store (PGlite in a directory), through child processes running the built package:
// jobs survive the process, the directory's files never hold a token (nor, once jobs end, their
// ciphertext), a wrong key loses nothing, and a directory held by another process is refused.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRevocationOutbox, StoreLockedError } from '../../src/outbox';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { ensureBuilt, freshDirectory, mockConfig, runChild, startChild } from './child-harness';
import { KEY, scratchDirectory, waitUntil } from './support';

// Characters that URL, form and JSON encoding change, so that each encoded form is a needle of its own.
const CANARIES = ['CANARY-REFRESH-9c1e+/= é&%"\\', "CANARY-ACCESS-44d0~!*()'<>"];

/** Every encoding of a value the redaction tests know. */
function encodings(value: string): string[] {
  const form = new URLSearchParams([['', value]]).toString().slice(1);
  const percent = encodeURIComponent(value);
  return [
    value,
    percent,
    percent.replace(/%[0-9A-F]{2}/g, (sequence) => sequence.toLowerCase()),
    form,
    Buffer.from(value).toString('base64'),
    Buffer.from(value).toString('base64url'),
    JSON.stringify(value).slice(1, -1),
  ];
}

/** The needles found in any file under `directory` (binary search of every byte). */
function foundIn(directory: string, needles: string[]): string[] {
  const found = new Set<string>();
  const visit = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
      return;
    }
    const bytes = readFileSync(path);
    for (const needle of needles) if (bytes.includes(Buffer.from(needle))) found.add(`${needle} in ${path}`);
  };
  visit(directory);
  return [...found];
}

let mock: MockDigiLocker;
beforeAll(() => ensureBuilt(), 240_000);
beforeEach(async () => {
  mock = await startMockDigiLocker();
});
afterEach(() => mock.close());

test('jobs committed by one process are revoked by the next; no file ever holds a token, nor the ciphertext once they end', async () => {
  const store = await freshDirectory();
  const scratch = scratchDirectory();
  try {
    const issued = mock.issueTokens();
    const tokensFile = join(scratch.path, 'tokens.jsonl');
    const lines = [{ refreshToken: CANARIES[0], accessToken: CANARIES[1] }, issued];
    writeFileSync(tokensFile, lines.map((line) => JSON.stringify(line)).join('\n'));
    await runChild({ store: { directory: store.path }, ...mockConfig(mock), tokensFile });
    scratch.remove(); // the only other copy of the tokens

    const needles = [...CANARIES, issued.refreshToken, issued.accessToken].flatMap(encodings);
    expect(foundIn(store.path, needles)).toEqual([]);
    const [pending] = await runChild({
      store: { directory: store.path },
      inspect: "SELECT data->>'ct' AS ct FROM digilocker_outbox.job WHERE data ? 'ct'",
    });
    const ciphertexts = ((pending?.rows ?? []) as { ct: string }[]).map((row) => row.ct);
    expect(ciphertexts).toHaveLength(2);
    expect(foundIn(store.path, ciphertexts)).not.toEqual([]); // the search does find what is there

    const drained = await runChild({ store: { directory: store.path }, ...mockConfig(mock), drain: true });
    expect(drained.at(-1)).toEqual({
      stats: expect.objectContaining({ revoked: 1, alreadyInvalid: 1, queued: 0 }),
    });
    expect(mock.isActive(issued.refreshToken) || mock.isActive(issued.accessToken)).toBe(false);
    expect(foundIn(store.path, [...needles, ...ciphertexts])).toEqual([]);
  } finally {
    scratch.remove();
    store.remove();
  }
}, 240_000);

test('a wrong key opens but cannot drain, and loses nothing; the right key then revokes', async () => {
  const store = await freshDirectory();
  const scratch = scratchDirectory();
  try {
    const tokens = mock.issueTokens();
    const tokensFile = join(scratch.path, 'tokens.jsonl');
    writeFileSync(tokensFile, JSON.stringify(tokens));
    await runChild({ store: { directory: store.path }, ...mockConfig(mock), tokensFile });

    const wrong = startChild({
      store: { directory: store.path },
      ...mockConfig(mock),
      keys: [generateEncryptionKey()],
      drain: true,
    });
    expect(await wrong.done).toEqual({ code: 1, signal: null });
    // It opens (an instance of a rolling rotation may lack the newest key); its drain refuses.
    expect(wrong.lines).toEqual([
      { opened: expect.any(Number) },
      { error: expect.objectContaining({ name: 'KeyMismatchError', code: 'key_mismatch' }) },
    ]);

    const right = await runChild({ store: { directory: store.path }, ...mockConfig(mock), drain: true });
    expect(right.at(-1)).toEqual({ stats: expect.objectContaining({ revoked: 1 }) });
    expect(mock.isActive(tokens.refreshToken)).toBe(false);
  } finally {
    scratch.remove();
    store.remove();
  }
}, 240_000);

test('open on a directory another process holds is a clear error, and the holder is unharmed', async () => {
  const store = await freshDirectory();
  try {
    const holder = startChild({
      store: { directory: store.path },
      ...mockConfig(mock),
      hold: true,
      drain: true,
    });
    await waitUntil(() => holder.lines.length > 0, 120_000);
    expect(holder.lines[0]).toHaveProperty('opened');

    const attempt = openRevocationOutbox({ store: { directory: store.path }, encryptionKeys: [KEY] });
    await expect(attempt).rejects.toBeInstanceOf(StoreLockedError);
    await expect(attempt).rejects.toThrow(`is open in process ${holder.process.pid}`);

    holder.process.stdin.end();
    expect(await holder.done).toEqual({ code: 0, signal: null });
    expect(holder.lines.at(-1)).toEqual({ stats: expect.objectContaining({ queued: 0 }) });
  } finally {
    store.remove();
  }
}, 240_000);
