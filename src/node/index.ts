/**
 * digilocker-revocation/node: Node-only helpers for the runtime-agnostic core.
 */
export { createNodeFetch, type NodeFetch, type NodeFetchOptions } from './fetch';

import { createNodeFetch, type NodeFetch } from './fetch';

/**
 * @deprecated Use {@link createNodeFetch}. Kept only while `src/cli` still calls it; removed when the
 * CLI moves to `createNodeFetch`.
 */
export function createNodeTransport(options: { maxSockets?: number } = {}): NodeFetch {
  return createNodeFetch({ connections: options.maxSockets ?? 64 });
}
