/**
 * Runs the protocol v1 conformance requirements against a device (docs/device-protocol.md §9).
 * State-changing checks run only when allowed: simulated devices (locator `sim:` or model `AS-SIM*`)
 * allow everything; a real device needs `allowWrite` / `allowLock` (LOCK is irreversible).
 */
import { isStationError, toErrorShape } from '../../../shared/errors';
import { openProtocolClient } from '../index';
import type { TransportFactories } from '../transport';
import type { OpenOptions } from '../types';
import type { CheckContext } from './checks';
import { REQUIREMENTS } from './requirements';

/** Result of one requirement. */
export interface RequirementResult {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skip';
  /** Measurement or failure reason. */
  detail: string;
  /** Duration, ms. */
  ms: number;
}

export interface ConformanceOptions extends OpenOptions {
  /** Allow checks that overwrite key, certificate and Asset binding (KEYGEN replace, PUT_CERT, SET_ASSET). */
  allowWrite?: boolean;
  /** Allow LOCK (irreversible on real devices). */
  allowLock?: boolean;
  /** Called after each requirement (for live output). */
  onResult?: (r: RequirementResult) => void;
  /**
   * Called once per gate, just before the first check that changes the device (`write`: key,
   * certificate, Asset binding; `lock`: LOCK) runs — on a simulated device as on a real one — so the
   * caller can warn. `device` is the UID and model the device reported.
   */
  onBeforeGate?: (gate: 'write' | 'lock', device: { uid: string; model: string }) => void;
  /** Transports beyond serial and tcp (the `sim:` factory of an in-process device). */
  transports?: TransportFactories;
}

/** True when the device is a simulator (safe to lock). */
function isSimulated(locator: string, model: string): boolean {
  return locator.startsWith('sim:') || model.startsWith('AS-SIM');
}

/**
 * Runs every requirement in order. A failed HELLO makes the rest fail with the same reason.
 * @throws StationError only when the port cannot be opened.
 */
export async function runConformance(
  locator: string,
  o: ConformanceOptions = {},
): Promise<RequirementResult[]> {
  const client = await openProtocolClient(locator, o, o.transports);
  const results: RequirementResult[] = [];
  const push = (r: RequirementResult) => {
    results.push(r);
    o.onResult?.(r);
  };
  const warned = new Set<string>();
  try {
    let ctx: CheckContext | undefined;
    for (const req of REQUIREMENTS) {
      const t0 = Date.now();
      try {
        if (!ctx) ctx = { client, link: client.link, identity: await client.hello() };
        const sim = isSimulated(locator, ctx.identity.model);
        if (req.gate === 'write' && !(o.allowWrite || sim)) {
          push({
            id: req.id,
            title: req.title,
            status: 'skip',
            detail: 'changes device state: run with --allow-write',
            ms: 0,
          });
          continue;
        }
        if (req.gate === 'lock' && !(o.allowLock || sim)) {
          push({
            id: req.id,
            title: req.title,
            status: 'skip',
            detail: 'LOCK is irreversible: run with --allow-lock',
            ms: 0,
          });
          continue;
        }
        if (req.gate && !warned.has(req.gate)) {
          warned.add(req.gate);
          o.onBeforeGate?.(req.gate, { uid: ctx.identity.uid, model: ctx.identity.model });
        }
        const detail = (await req.run(ctx)) ?? '';
        push({ id: req.id, title: req.title, status: 'pass', detail, ms: Date.now() - t0 });
      } catch (e) {
        const detail = isStationError(e)
          ? `${toErrorShape(e).code}: ${toErrorShape(e).message}`
          : (e as Error).message;
        push({ id: req.id, title: req.title, status: 'fail', detail, ms: Date.now() - t0 });
      }
    }
  } finally {
    await client.close();
  }
  return results;
}
