// A journal never writes a record that a rerun would refuse to read: a failure's message is cut to fit
// the line. Else the record is ignored, the token's `sending` line is the last word on it, and the
// rerun counts a token no request revoked as "sent without an answer".
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/cli/journal';
import { keyOfHex } from '../../src/cli/token-digest';

const SHA256 = 'a'.repeat(64);
let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'digilocker-journal-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

it('cuts a message that JSON makes longer than a record (six bytes a character) and reads it back', async () => {
  const path = join(scratch, 'revoke.journal');
  const warnings: string[] = [];
  const listener = { warn: (message: string) => warnings.push(message), onFailure() {} };
  const first = await Journal.open(path, listener);
  first.recordSending(SHA256);
  // Half surrogates: JSON.stringify writes each as \udXXX.
  const message = `DigiLocker answered ${'\ud800'.repeat(1000)}`;
  first.recordOutcome(SHA256, { error: 'invalid_token', message, mayHaveRevoked: false });
  first.close();
  expect(
    Math.max(
      ...readFileSync(path, 'utf8')
        .split('\n')
        .map((line) => Buffer.byteLength(line)),
    ),
  ).toBeLessThan(4096);

  const rerun = await Journal.open(path, listener);
  // Refused with an answer: as if never sent, not "sent without an answer".
  expect(rerun.wasSent(keyOfHex(SHA256))).toBe(false);
  rerun.close();
  expect(warnings).toEqual([]);
});
