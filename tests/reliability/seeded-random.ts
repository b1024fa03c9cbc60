// A small seeded PRNG for the reliability tests, so a random run can be replayed from its seed.

/** mulberry32: returns numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: `RELIABILITY_SEED` when set (to replay a failure), else a random one. */
export function runSeed(): number {
  const given = process.env.RELIABILITY_SEED;
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError('RELIABILITY_SEED must be a whole number');
  return seed;
}
