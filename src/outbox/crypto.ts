/**
 * Tokens at rest: AES-256-GCM through Web Crypto (`globalThis.crypto.subtle`), a random 96-bit IV per
 * job, the job id as additional data (a ciphertext cannot be moved to another job), and the id of the
 * key stored beside the ciphertext so that several keys can decrypt (rotation). Workers decrypt with
 * node:crypto (the same cipher and format, with a KeyObject of the same key bytes): synchronous, a
 * few microseconds a job, where a Web Crypto call costs tens on the thread the workers share.
 */
import { createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { describeType, rangeError, typeError } from '../validate';

/** One 256-bit key: 32 bytes, or their base64 (44 characters) or hex (64 characters) text. */
export type EncryptionKey = string | Uint8Array;

/** A key ready for use. */
export interface OutboxKey {
  /** A public id: the first 16 hex characters of SHA-256("digilocker-outbox-key:" + key). */
  readonly id: string;
  readonly key: CryptoKey;
  /** The same key for node:crypto (made from the same bytes; the CryptoKey stays non-extractable). */
  readonly keyObject: KeyObject;
}

/** An encrypted payload as stored. */
export interface Sealed {
  /** The id of the key that encrypted it. */
  k: string;
  /** The IV, base64. */
  iv: string;
  /** The ciphertext with its GCM tag, base64. */
  ct: string;
}

const encoder = new TextEncoder();

/**
 * Validates and imports the keys; the first encrypts, all decrypt. An error names the position of a
 * bad key (`input: 'encryptionKeys[1]'`), never its value.
 * @throws {InputTypeError} `encryptionKeys` is not an array, or a key neither a string nor a Uint8Array
 *   (`code: 'invalid_option'`).
 * @throws {InputRangeError} no key, a key that is not 32 bytes (or their base64 or hex), a first key
 *   that is one byte repeated (a placeholder), or the same key twice (same `code`).
 */
export async function importKeys(keys: unknown): Promise<OutboxKey[]> {
  if (!Array.isArray(keys))
    throw typeError('encryptionKeys', `must be an array of 256-bit keys, got ${describeType(keys)}`);
  if (keys.length === 0)
    throw rangeError(
      'encryptionKeys',
      'must hold at least one 256-bit key (leave it out to open the outbox for administration only)',
    );
  const imported = await Promise.all(keys.map((key, index) => importKey(key, index)));
  if (new Set(imported.map((key) => key.id)).size !== imported.length)
    throw rangeError('encryptionKeys', 'must not hold the same key twice');
  return imported;
}

async function importKey(value: unknown, index: number): Promise<OutboxKey> {
  const name = `encryptionKeys[${index}]`;
  const bytes = keyBytes(value, name);
  // A placeholder (`Buffer.alloc(32)`, 44 `A`s, 64 `f`s) lets whoever guesses it read what it seals:
  // it never seals new jobs. Behind a real key it still opens the jobs it sealed, to rotate away.
  if (index === 0 && bytes.every((byte) => byte === bytes[0]))
    throw rangeError(
      name,
      'is one byte 32 times over (a placeholder), not random bytes: it would seal new jobs',
    );
  const digest = await crypto.subtle.digest(
    'SHA-256',
    concat(encoder.encode('digilocker-outbox-key:'), bytes),
  );
  const id = toHex(new Uint8Array(digest)).slice(0, 16);
  const key = await crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
  // From the bytes: KeyObject.from() of a non-extractable CryptoKey is deprecated (DEP0204, Node 24).
  const keyObject = createSecretKey(bytes);
  bytes.fill(0); // both imports copied it: no copy of the key is left in this module's memory
  return { id, key, keyObject };
}

function keyBytes(value: unknown, name: string): Uint8Array<ArrayBuffer> {
  if (value instanceof Uint8Array) {
    if (value.length !== 32) throw rangeError(name, `must be 32 bytes, got ${value.length}`);
    return new Uint8Array(value);
  }
  if (typeof value !== 'string')
    throw typeError(name, `must be a string (base64 or hex of 32 bytes) or a Uint8Array`);
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Uint8Array.from(Buffer.from(text, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return Uint8Array.from(Buffer.from(text, 'base64'));
  throw rangeError(name, `must be 32 bytes as base64 (44 characters) or hex (64 characters)`);
}

/** Encrypts `plaintext` with `key`, bound to `jobId`. */
export async function seal(plaintext: string, key: OutboxKey, jobId: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(jobId) },
    key.key,
    encoder.encode(plaintext),
  );
  return { k: key.id, iv: toBase64(iv), ct: toBase64(new Uint8Array(ciphertext)) };
}

/**
 * Decrypts a payload sealed for `jobId`; throws a plain Error when no key has its id or the data was
 * altered. Internal: the workers never let it out (a job they cannot open is given back or dead).
 */
export function open(sealed: Sealed, keys: readonly OutboxKey[], jobId: string): string {
  const key = keys.find((candidate) => candidate.id === sealed.k);
  if (!key) throw new Error(`no encryption key with id ${sealed.k}`);
  const data = Buffer.from(sealed.ct, 'base64');
  if (data.length < TAG_BYTES) throw new Error('the ciphertext is shorter than its tag');
  const decipher = createDecipheriv('aes-256-gcm', key.keyObject, Buffer.from(sealed.iv, 'base64'), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(encoder.encode(jobId));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  const head = decipher.update(data.subarray(0, data.length - TAG_BYTES));
  // final() throws when the tag does not match: another key, another job id, or altered bytes.
  return Buffer.concat([head, decipher.final()]).toString('utf8');
}

/** Web Crypto's AES-GCM tag: 128 bits, appended to the ciphertext. */
const TAG_BYTES = 16;

/** A new random 256-bit key, base64: what `encryptionKeys` takes. */
export function generateEncryptionKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
