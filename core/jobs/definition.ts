/**
 * A job kind as the runner sees it: its steps in order, each step's function and output schema, and
 * what the runner asks of the outputs (the device UID, the verdict at the end). {@link defineJob}
 * keeps the step outputs typed per kind while the runner itself stays kind-agnostic.
 */
import type { z } from 'zod';
import type { JobKind, StepName } from '../../shared/domain';
import { toErrorShape, type StationErrorShape } from '../../shared/errors';
import { checkedOutput, journalCorrupt, type StepRow } from '../records/journal';
import type { StepContext, StepFn, StepResult } from './steps/context';

/** Everything a step gets except the outputs, which the run supplies. */
export type StepEnv = Omit<StepContext<never>, 'outputs'>;

/** The typed description of a job kind (`O`: the output type of each of its steps). */
export interface JobSpec<O extends Partial<Record<StepName, unknown>>> {
  kind: JobKind;
  steps: readonly (keyof O & StepName)[];
  fns: { [K in keyof O & StepName]: StepFn<O, K> };
  outputs: { [K in keyof O & StepName]: z.ZodType<O[K]> };
  /** Steps whose result lives partly in memory: re-run on resume while their dependent is unfinished. */
  volatile?: Partial<Record<keyof O & StepName, keyof O & StepName>>;
  /** The device's hardware UID once identified. */
  deviceUid(outputs: Partial<O>): string | undefined;
  /** After every step finished: an error fails the job (verify fails when a check failed). */
  finalize?(outputs: Partial<O>): StationErrorShape | undefined;
}

/** One run of a job: the outputs so far, and the steps run against them. */
export interface JobRun {
  /**
   * Takes a finished step's output from the journal, checked against its schema.
   * @returns JOURNAL_CORRUPT (naming the job and step) when the row is damaged, of an old format or
   *   of a step this kind does not have; undefined when it was read back.
   */
  restore(row: StepRow): StationErrorShape | undefined;
  /** Runs a step of this kind and keeps its output. Throws what the step throws. */
  run(name: StepName, env: StepEnv): Promise<StepResult<unknown>>;
  deviceUid(): string | undefined;
  finalize(): StationErrorShape | undefined;
}

/** A job kind, kind-agnostic for the runner. */
export interface JobDefinition {
  kind: JobKind;
  steps: readonly StepName[];
  has(step: StepName): boolean;
  /** The step to run again on resume when `dependent` has not finished (see JobSpec.volatile). */
  volatileUntil(step: StepName): StepName | undefined;
  begin(jobId: string): JobRun;
}

/** Builds a {@link JobDefinition} from a typed spec. */
export function defineJob<O extends Partial<Record<StepName, unknown>>>(spec: JobSpec<O>): JobDefinition {
  type N = keyof O & StepName;
  const has = (step: StepName): step is N => Object.hasOwn(spec.fns, step);
  return {
    kind: spec.kind,
    steps: spec.steps,
    has,
    volatileUntil: (step) => (has(step) ? spec.volatile?.[step] : undefined),
    begin(jobId) {
      const outputs: Partial<O> = {};
      return {
        restore(row) {
          if (!has(row.name))
            return journalCorrupt(jobId, row.name, `a ${spec.kind} job has no such step`).toShape();
          try {
            outputs[row.name] = checkedOutput(jobId, row, spec.outputs[row.name]);
            return undefined;
          } catch (e) {
            return toErrorShape(e);
          }
        },
        async run(name, env) {
          if (!has(name)) throw journalCorrupt(jobId, name, `a ${spec.kind} job has no such step`);
          const result = await spec.fns[name]({ ...env, outputs });
          outputs[name] = result.output;
          return result;
        },
        deviceUid: () => spec.deviceUid(outputs),
        finalize: () => spec.finalize?.(outputs),
      };
    },
  };
}
