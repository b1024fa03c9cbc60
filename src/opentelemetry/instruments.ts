import { type Counter, type Histogram, type Meter, metrics } from '@opentelemetry/api';
import { VERSION } from '../options';
import { typeError } from '../validate';
import { METRIC, SCOPE } from './names';

/** The metric instruments this entry records to. */
export interface Instruments {
  duration: Histogram;
  retries: Counter;
  jobsEnded: Counter;
  pauses: Counter;
}

/**
 * Bucket boundaries, in seconds: those of the HTTP duration convention, and the default call budget
 * (`retry.maxElapsedMs`, 30 s) as the last one, since a call with retries can last that long.
 */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30];

/**
 * Returns a function giving the instruments. With a `meter` given, they are made once, at first use. Without, the
 * global meter provider is read at each use and the instruments remade when it changes: the global
 * meter provider has no proxy, so instruments made before the SDK is registered would stay no-ops.
 * @throws {InputTypeError} (`invalid_option`, naming `name`) for a `meter` that is not a Meter.
 */
export function instrumentsOf(meter: Meter | undefined, name: string): () => Instruments {
  if (meter !== undefined) {
    if (typeof meter?.createHistogram !== 'function' || typeof meter.createCounter !== 'function') {
      throw typeError(name, 'must be an OpenTelemetry Meter (with createHistogram and createCounter)');
    }
    // Made at first use, inside the caller's safe step: a meter that throws is caught there.
    let fixed: Instruments | undefined;
    return () => {
      fixed ??= createInstruments(meter);
      return fixed;
    };
  }
  let provider: unknown;
  let current: Instruments | undefined;
  return () => {
    const global = metrics.getMeterProvider();
    if (current === undefined || global !== provider) {
      provider = global;
      current = createInstruments(global.getMeter(SCOPE, VERSION));
    }
    return current;
  };
}

function createInstruments(meter: Meter): Instruments {
  return {
    duration: meter.createHistogram(METRIC.duration, {
      description: "Duration of one token's revocation, all attempts and delays included.",
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    retries: meter.createCounter(METRIC.retries, {
      description: 'Attempts of a revocation followed by another attempt, by the reason.',
      unit: '{retry}',
    }),
    jobsEnded: meter.createCounter(METRIC.jobsEnded, {
      description: 'Outbox jobs that ended, or were scheduled to run again, by outcome.',
      unit: '{job}',
    }),
    pauses: meter.createCounter(METRIC.pauses, {
      description: 'Pauses of every outbox instance on a queue, by reason.',
      unit: '{pause}',
    }),
  };
}
