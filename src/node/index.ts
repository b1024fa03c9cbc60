/**
 * digilocker-revocation/node: Node-only helpers for the runtime-agnostic core.
 */
export { createNodeFetch, type NodeFetch, type NodeFetchOptions } from './fetch';
