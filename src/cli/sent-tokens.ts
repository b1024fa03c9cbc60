/** A new table's slots; it doubles whenever it is three quarters full. */
const INITIAL_SLOTS = 1024;
/** The state of a slot: the copies handed over (up to 127) in the low bits, and this bit once finished. */
const FINISHED = 0x80;
const MAX_COPIES = 0x7f;

/**
 * The tokens handed to the client in this run: how many copies of each (a token listed again), and
 * whether one finished (revoked or already invalid). Each token is a prefix of its SHA-256 (the hash the
 * run computes anyway) in an open-addressing table (linear probing) of typed arrays that doubles when
 * three quarters full: no string or object per token. With 64-bit keys, 9 bytes a slot: 18 MB for a
 * million tokens (2^21 slots). Two tokens whose keys are equal (with 64 bits, about 1 in 10^8 among a
 * million) count as copies of one token: that can only turn a genuinely invalid token's report into
 * revoked, unconfirmed, so 64 bits are enough as long as {@link SentTokens.isFinished} skips nothing;
 * a run that skips finished copies (with --journal) keys by 128 bits, as the journal does.
 */
export class SentTokens {
  /** 32-bit words a key. */
  readonly #words: number;
  /** `#words` words a slot; all zero is an empty slot. */
  #keys: Uint32Array;
  /** Per slot: the copies handed over (0 once forgotten: the key stays), and FINISHED. */
  #states = new Uint8Array(INITIAL_SLOTS);
  #used = 0;
  /** The key of the token at hand, parsed once per call. */
  readonly #key: Uint32Array;

  /** `keyBits`: 64 when nothing is skipped on the table's word, 128 when finished copies are. */
  constructor(keyBits: 64 | 128) {
    this.#words = keyBits / 32;
    this.#keys = new Uint32Array(INITIAL_SLOTS * this.#words);
    this.#key = new Uint32Array(this.#words);
  }

  /** Counts one more copy of the token with this SHA-256 (64 hex digits) handed to the client. */
  add(sha256: string): void {
    let slot = this.#find(sha256);
    if (!this.#isUsed(slot)) {
      if ((this.#used + 1) * 4 > this.#states.length * 3) {
        this.#grow();
        slot = this.#slotOf(this.#key);
      }
      this.#keys.set(this.#key, slot * this.#words);
      this.#used++;
    }
    const state = this.#states[slot] as number;
    if ((state & MAX_COPIES) < MAX_COPIES) this.#states[slot] = state + 1;
  }

  /** How many copies of the token with this SHA-256 were handed to the client (at most 127). */
  copies(sha256: string): number {
    return (this.#states[this.#find(sha256)] as number) & MAX_COPIES;
  }

  /** Forgets the copies of a token: the only one sent proved it was not revoked in this run. */
  forget(sha256: string): void {
    const slot = this.#find(sha256);
    if (this.#isUsed(slot)) this.#states[slot] = (this.#states[slot] as number) & FINISHED;
  }

  /** Notes that a copy of the token was revoked or found already invalid. */
  finish(sha256: string): void {
    const slot = this.#find(sha256);
    if (this.#isUsed(slot)) this.#states[slot] = (this.#states[slot] as number) | FINISHED;
  }

  /** True when a copy of the token was revoked or found already invalid in this run. */
  isFinished(sha256: string): boolean {
    return ((this.#states[this.#find(sha256)] as number) & FINISHED) !== 0;
  }

  /** Parses the key of `sha256` into `#key`; the slot that holds it, or the empty one where it belongs. */
  #find(sha256: string): number {
    let zero = true;
    for (let word = 0; word < this.#words; word++) {
      this.#key[word] = Number.parseInt(sha256.slice(word * 8, word * 8 + 8), 16);
      zero &&= this.#key[word] === 0;
    }
    if (zero) this.#key[this.#words - 1] = 1; // all zero marks an empty slot
    return this.#slotOf(this.#key);
  }

  #slotOf(key: Uint32Array): number {
    const mask = this.#states.length - 1;
    let slot = ((key[0] as number) ^ (key[1] as number)) & mask;
    while (this.#isUsed(slot)) {
      if (this.#holds(slot, key)) return slot;
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  #holds(slot: number, key: Uint32Array): boolean {
    for (let word = 0; word < this.#words; word++)
      if (this.#keys[slot * this.#words + word] !== key[word]) return false;
    return true;
  }

  #isUsed(slot: number): boolean {
    for (let word = 0; word < this.#words; word++)
      if (this.#keys[slot * this.#words + word] !== 0) return true;
    return false;
  }

  #grow(): void {
    const keys = this.#keys;
    const states = this.#states;
    const key = new Uint32Array(this.#words);
    this.#keys = new Uint32Array(keys.length * 2);
    this.#states = new Uint8Array(states.length * 2);
    for (let old = 0; old < states.length; old++) {
      let zero = true;
      for (let word = 0; word < this.#words; word++) {
        key[word] = keys[old * this.#words + word] as number;
        zero &&= key[word] === 0;
      }
      if (zero) continue;
      const slot = this.#slotOf(key);
      this.#keys.set(key, slot * this.#words);
      this.#states[slot] = states[old] as number;
    }
  }
}
