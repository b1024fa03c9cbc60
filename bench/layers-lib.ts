// Internal layers for bench/layers.mjs (bundled by it with esbuild): not part of the package.

export { sendAttempt } from '../src/attempt';
export { createRevocationClient } from '../src/client';
export { raceWithDeadline } from '../src/race';
export { createAttemptClient, postRevocation } from '../src/raw';
