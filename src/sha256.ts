/**
 * SHA-256 (FIPS 180-4) of a string's UTF-8 bytes, as 64 lowercase hex characters, computed at once.
 *
 * Written here rather than taken from a library or from Web Crypto: the core only needs short inputs
 * (tokens), synchronously and per token of a batch. `crypto.subtle.digest` is asynchronous and costs
 * about 21 µs of CPU per token on Node 20; @noble/hashes, which the core bundled before, added 5.4 KB
 * minified (a third of the core's own code) for this one function. The tests check it against
 * `node:crypto` on the FIPS examples, on every length around the block boundaries and on random text.
 */
export function sha256HexNow(text: string): string {
  const { message, length } = padded(text);
  digest(message, length);
  let hex = '';
  for (let i = 0; i < 8; i++) {
    const word = state[i] as number;
    hex += `${HEX[word >>> 24]}${HEX[(word >>> 16) & 0xff]}${HEX[(word >>> 8) & 0xff]}${HEX[word & 0xff]}`;
  }
  return hex;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

const encoder = new TextEncoder();

/** Inputs up to this many UTF-8 bytes (every token) are padded in one reused buffer, not a new one. */
const SCRATCH_BYTES = 16_384;
const scratch = new Uint8Array(SCRATCH_BYTES + 72);

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes (§4.2.2). */
// biome-ignore format: a table
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The first 32 bits of the fractional parts of the square roots of the first 8 primes (§5.3.3). */
// biome-ignore format: a table
const INITIAL = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/** The message schedule, reused: a digest never yields, so no two digests share it at once. */
const schedule = new Int32Array(64);

/** The hash value being computed, reused like the schedule. */
const state = new Int32Array(8);

/** Computes the hash value (§6.2.2) of the first `length` bytes of a padded message into `state`. */
function digest(message: Uint8Array, length: number): void {
  state.set(INITIAL);
  for (let offset = 0; offset < length; offset += 64) {
    for (let t = 0, i = offset; t < 16; t++, i += 4) {
      schedule[t] =
        ((message[i] as number) << 24) |
        ((message[i + 1] as number) << 16) |
        ((message[i + 2] as number) << 8) |
        (message[i + 3] as number);
    }
    for (let t = 16; t < 64; t++) {
      const w15 = schedule[t - 15] as number;
      const w2 = schedule[t - 2] as number;
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
      schedule[t] = (schedule[t - 16] as number) + s0 + (schedule[t - 7] as number) + s1;
    }
    compress(state);
  }
}

/** One block's 64 rounds over the schedule, added into `hash`. */
function compress(hash: Int32Array): void {
  let a = hash[0] as number;
  let b = hash[1] as number;
  let c = hash[2] as number;
  let d = hash[3] as number;
  let e = hash[4] as number;
  let f = hash[5] as number;
  let g = hash[6] as number;
  let h = hash[7] as number;
  for (let t = 0; t < 64; t++) {
    const sigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const t1 = (h + sigma1 + ((e & f) ^ (~e & g)) + (K[t] as number) + (schedule[t] as number)) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  hash[0] = (hash[0] as number) + a;
  hash[1] = (hash[1] as number) + b;
  hash[2] = (hash[2] as number) + c;
  hash[3] = (hash[3] as number) + d;
  hash[4] = (hash[4] as number) + e;
  hash[5] = (hash[5] as number) + f;
  hash[6] = (hash[6] as number) + g;
  hash[7] = (hash[7] as number) + h;
}

/**
 * The UTF-8 bytes of `text`, a 1 bit, zeros, and the length in bits as 64 bits: a whole number of
 * blocks (§5.1.1), the first `length` bytes of `message`. Short inputs are written into the reused
 * scratch buffer: no allocation per token.
 */
function padded(text: string): { message: Uint8Array; length: number } {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  let buffer: Uint8Array;
  let length: number;
  if (text.length * 3 <= SCRATCH_BYTES) {
    length = encoder.encodeInto(text, scratch).written;
    buffer = scratch;
  } else {
    buffer = encoder.encode(text);
    length = buffer.length;
  }
  const total = Math.ceil((length + 9) / 64) * 64;
  if (buffer !== scratch) {
    const grown = new Uint8Array(total);
    grown.set(buffer);
    buffer = grown;
  } else buffer.fill(0, length, total);
  buffer[length] = 0x80;
  const bits = length * 8;
  writeUint32(buffer, total - 8, Math.floor(bits / 2 ** 32));
  writeUint32(buffer, total - 4, bits >>> 0);
  return { message: buffer, length: total };
}

/** Writes `word` big-endian at `offset`. */
function writeUint32(bytes: Uint8Array, offset: number, word: number): void {
  bytes[offset] = word >>> 24;
  bytes[offset + 1] = (word >>> 16) & 0xff;
  bytes[offset + 2] = (word >>> 8) & 0xff;
  bytes[offset + 3] = word & 0xff;
}

function rotr(word: number, bits: number): number {
  return (word >>> bits) | (word << (32 - bits));
}
