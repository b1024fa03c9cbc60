import type { RegisteredClient } from './client-authentication';
import type { FaultQueue } from './faults';
import type { MockDigiLockerStats } from './mock-digilocker';
import type { BodyValidators, ValidatedPath } from './request-validation';
import type { TokenStore } from './token-store';

/** What the mock's endpoints share: its registered client, its tokens, its faults and its counts. */
export interface MockState {
  client: RegisteredClient;
  /** Lifetime of the bearer tokens the token endpoint issues. */
  lifetimeMs: number;
  successBody: string;
  store: TokenStore;
  faults: FaultQueue;
  validators: Record<ValidatedPath, BodyValidators>;
  /** Bearer tokens issued by the token endpoint, each with its expiry (epoch ms). */
  bearerTokens: Map<string, number>;
  /** How many revoke requests named each token. */
  requestsPerToken: Map<string, number>;
  /** The timers of delayed answers, cleared on close. */
  pendingTimers: Set<NodeJS.Timeout>;
  stats: MockDigiLockerStats;
}
