import type { Environment } from '../../index';

/** The options of `digilocker-revoke outbox <command>`. */
export interface OutboxFlags {
  store?: string;
  schema?: string;
  env?: Environment;
  baseUrl?: string;
  allowInsecureHttp?: boolean;
  proxy?: string;
  encoding?: 'form' | 'json';
  auth?: 'basic' | 'post' | 'bearer';
  timeoutMs?: number;
  concurrency: number;
  json?: boolean;
}
