/**
 * What every step gets and returns, and the small codecs steps share. A step reads what earlier steps
 * journaled (`ctx.outputs`, typed per job kind and checked against each step's schema when read back
 * from the journal), talks to one outside party through its port, and returns a JSON-serialisable
 * output that the runner journals before the next step starts.
 */
import crypto from 'node:crypto';
import type { StationConfig, StepName } from '../../../shared/domain';
import { StationError } from '../../../shared/errors';
import type { DeviceDriver } from '../../device';
import type { JobRow } from '../../records/journal';
import type { OrgPort, PkiPort } from '../../bays/ports';

/**
 * An asset token held in memory, bound to the job, the device's hardware UID and the fingerprint
 * (SHA-256 hex of the SPKI) of the key it was issued for: it is handed only to that device.
 */
export interface BoundAssetToken {
  token: string;
  jobId: string;
  uid: string;
  keyFingerprint: string;
}

/** Results kept in memory only, never journaled (the asset token), carried across runs of a job. */
export interface JobMemory {
  assetToken?: BoundAssetToken;
}

/**
 * What a step gets. `O` maps each step of the job kind to its output type; `outputs` holds the
 * outputs of the steps finished so far.
 */
export interface StepContext<O> {
  job: JobRow;
  config: StationConfig;
  /** The device's driver: what its family can do is in `device.capabilities`. */
  device: DeviceDriver;
  pki: () => Promise<PkiPort>;
  org: () => Promise<OrgPort>;
  outputs: Partial<O>;
  memory: JobMemory;
  signal: AbortSignal;
  /** Progress of a slow device command, 0..1. */
  progress(fraction: number): void;
  operator: string;
}

/** What a step returns: its outcome and its typed output (journaled as JSON). */
export interface StepResult<T> {
  state: 'done' | 'skipped';
  output: T;
  /** One line for people: the UI's step detail. */
  detail: string;
  /** Facts for the job's record (Asset ID, certificate serial, …). */
  summary?: Record<string, unknown>;
}

/** One step of a job kind whose outputs are `O`: produces the output of step `K`. */
export type StepFn<O, K extends keyof O> = (ctx: StepContext<O>) => Promise<StepResult<O[K]>>;

/**
 * The output of an earlier step, which a later step needs.
 * @throws StationError INTERNAL when that step has no journaled output (a bug in the step order).
 */
export function need<O, K extends keyof O & StepName>(ctx: StepContext<O>, step: K): O[K] {
  const v = ctx.outputs[step];
  if (v === undefined) {
    throw new StationError(
      'INTERNAL',
      `Step ${step} has no journaled result, but a later step needs it.`,
      'Retry the job; the station will run the missing step again.',
    );
  }
  return v as O[K];
}

/** Bytes as base64 (how binary outputs are journaled). */
export const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');
/** Base64 back to bytes. */
export const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
/** SHA-256 of bytes, lowercase hex (fingerprints, FIPS 180-4). */
export const sha256 = (u: Uint8Array): string => crypto.createHash('sha256').update(u).digest('hex');
/** The first 8 bytes of a hex fingerprint with colons, for one-line details. */
export const short = (fp: string): string => fp.slice(0, 16).replace(/(..)(?=.)/g, '$1:');
