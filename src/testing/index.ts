/**
 * digilocker-revocation/testing: a real local DigiLocker for your tests (Node only).
 */
export type { MockFault } from './faults';
export {
  type MockDigiLocker,
  type MockDigiLockerOptions,
  type MockDigiLockerStats,
  startMockDigiLocker,
} from './mock-digilocker';
