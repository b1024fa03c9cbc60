// `npm run check:spec` (scripts/check-spec.mjs): the document passes, and each kind of unmarked
// departure from the published listing makes it fail, naming the place.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const SPEC = readFileSync(join(root, 'openapi/digilocker-revocation.yaml'), 'utf8');
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'check-spec-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the check on the document with `edit` applied (which must change it). */
function checkEdited(edit: (text: string) => string) {
  const edited = edit(SPEC);
  expect(edited).not.toBe(SPEC);
  const file = join(scratch, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, edited);
  const run = spawnSync(process.execPath, [join(root, 'scripts/check-spec.mjs'), '--spec', file, '--quiet'], {
    encoding: 'utf8',
  });
  return { code: run.status, output: run.stdout + run.stderr };
}

function replaceOnce(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

it('passes on the document, listing each mark', () => {
  const run = spawnSync(process.execPath, [join(root, 'scripts/check-spec.mjs')], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/every departure from the listing is marked/);
  expect(run.stdout).toContain('#.servers[1]: ');
  expect(run.stdout).toContain('#.paths["/oauth2/1/revoke"].post.operationId: ');
});

it.each([
  [
    'a changed summary',
    (text: string) => replaceOnce(text, 'summary: Revoke Token.', 'summary: Revoke a token.'),
    '#.paths["/oauth2/1/revoke"].post.summary: changed without a mark (listing: "Revoke Token.")',
  ],
  [
    'requestBody.required set again',
    (text: string) =>
      replaceOnce(
        text,
        'operationId: getTokenRevocationId\n      requestBody:\n',
        'operationId: getTokenRevocationId\n      requestBody:\n        required: true\n',
      ),
    '#.paths["/oauth2/1/revoke"].post.requestBody.required: added without a mark',
  ],
  [
    'minLength on token',
    (text: string) =>
      text.replaceAll(
        '                token:\n                  description: The token that needs to be revoked.\n',
        '                token:\n                  minLength: 1\n                  description: The token that needs to be revoked.\n',
      ),
    '.schema.properties.token.minLength: added without a mark',
  ],
  [
    'a server whose mark is removed',
    (text: string) =>
      replaceOnce(
        text,
        '    x-digilocker-addition: The legacy production server that older integrations still call; the listing shows only the sandbox.\n',
        '',
      ),
    '#.servers: changed without a mark',
  ],
  [
    "the listing's bearerAuth scheme dropped",
    (text: string) => replaceOnce(text, '    bearerAuth:\n      scheme: bearer\n      type: http\n', ''),
    '#.components.securitySchemes.bearerAuth: removed without a mark',
  ],
  [
    'the openapi version',
    (text: string) => replaceOnce(text, 'openapi: 3.0.2', 'openapi: 3.0.3'),
    '#.openapi: changed without a mark',
  ],
  [
    'a mark on a field that does not differ',
    (text: string) =>
      replaceOnce(
        text,
        '      x-digilocker-addition:\n        operationId:',
        '      x-digilocker-addition:\n        summary: Not changed.\n        operationId:',
      ),
    'x-digilocker-addition.summary: marks a field that does not differ from the listing',
  ],
  [
    'a form body schema that is not the JSON one',
    (text: string) => {
      const form = text.indexOf('          application/x-www-form-urlencoded:\n');
      const before = text.slice(0, form);
      return (
        before +
        replaceOnce(
          text.slice(form),
          '                  type: string\n                token_type_hint:',
          '                  type: string\n                  maxLength: 4096\n                token_type_hint:',
        )
      );
    },
    "the form body's schema must be identical to the JSON body's",
  ],
])('fails on %s', (_, edit, message) => {
  const { code, output } = checkEdited(edit);
  expect(code).toBe(1);
  expect(output).toContain(message);
});
