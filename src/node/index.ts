/**
 * digilocker-revocation/node: Node-only helpers for the runtime-agnostic core.
 */
export {
  createNodeTransport,
  type NodeTransport,
  type NodeTransportOptions,
} from './transport';
