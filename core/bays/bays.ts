/**
 * Bays: one attached device each. The bay manager identifies devices as they appear, follows each
 * device by its hardware UID (a device that resets and comes back on another path keeps its bay), and
 * watches for hot-plug by polling the OS serial-port list and any watched folders (where the simulator
 * keeps its stable PTY links).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Bay, BayStatus, DeviceIdentity } from '../../shared/domain';
import { StationError, toErrorShape, type StationErrorShape } from '../../shared/errors';
import type { DeviceDriver, DriverOpenOptions } from '../device';
import { waitOutBusy, type BusyWait } from './busy';

/** A bay's mutable state. */
interface BayState {
  id: string;
  locator: string;
  status: BayStatus;
  device?: DeviceIdentity;
  jobId?: string;
  since: string;
  error?: StationErrorShape;
}

export interface BayManagerOptions {
  openDevice(locator: string, opts?: DriverOpenOptions): Promise<DeviceDriver>;
  openOptions(): DriverOpenOptions;
  /** Lists serial locators the OS reports (USB serial ports). */
  listPorts(): Promise<string[]>;
  /** Folders whose entries are serial device links (e.g. the simulator's `<home>/sim/devices`). */
  watchDirs: string[];
  /** Poll period in ms (default 1000). */
  pollMs?: number;
  /** How long a connect waits out a device answering BUSY (./busy.ts; default 10 s, every 500 ms). */
  busy?: BusyWait;
}

/**
 * Keeps the bays. Emits `bay` (Bay) on every change and `arrived` (bayId) when a device was identified
 * on a bay (auto mode starts jobs from it).
 */
export class BayManager extends EventEmitter {
  private readonly bays = new Map<string, BayState>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private seq = 0;
  private readonly identifying = new Set<string>();

  constructor(private readonly opts: BayManagerOptions) {
    super();
  }

  list(): Bay[] {
    return [...this.bays.values()].map((b) => this.toApi(b));
  }

  get(id: string): Bay {
    const b = this.bays.get(id);
    if (!b)
      throw new StationError(
        'NOT_FOUND',
        `There is no bay ${id}.`,
        'Pick a bay from the station screen, or attach the device again.',
      );
    return this.toApi(b);
  }

  /** Finds the bay that follows a device UID. */
  byUid(uid: string): Bay | undefined {
    const b = [...this.bays.values()].find((x) => x.device?.uid === uid);
    return b ? this.toApi(b) : undefined;
  }

  private toApi(b: BayState): Bay {
    return {
      id: b.id,
      locator: b.locator,
      status: b.status,
      since: b.since,
      ...(b.device ? { device: b.device } : {}),
      ...(b.jobId ? { jobId: b.jobId } : {}),
      ...(b.error ? { error: b.error } : {}),
    };
  }

  private set(b: BayState, patch: Partial<BayState>): void {
    const statusChanged = patch.status !== undefined && patch.status !== b.status;
    Object.assign(b, patch);
    if (statusChanged) b.since = new Date().toISOString();
    if ('error' in patch && patch.error === undefined) delete b.error;
    this.emit('bay', this.toApi(b));
  }

  /** Marks a bay busy with a job / done with an outcome. */
  setJob(bayId: string, jobId: string | undefined, status: BayStatus, error?: StationErrorShape): void {
    const b = this.bays.get(bayId);
    if (!b) return;
    this.set(b, { jobId, status, error });
  }

  /**
   * Attaches a locator: identifies the device on it (HELLO) and returns its bay. A device already
   * known by UID keeps its bay (its locator is updated).
   * @throws StationError from the device link when the device cannot be identified.
   */
  async attach(locator: string): Promise<Bay> {
    // A new locator gets a bay only once we know whose device it is: a known device that came back
    // on another path keeps its own bay (no ghost card for the new path).
    const atPath = [...this.bays.values()].filter((b) => b.locator === locator);
    const existing = atPath.find((b) => b.status !== 'offline') ?? atPath[0];
    const bay: BayState = existing ?? {
      id: `bay-${++this.seq}`,
      locator,
      status: 'connecting',
      since: new Date().toISOString(),
    };
    if (existing && existing.status !== 'busy')
      this.set(existing, { status: 'connecting', error: undefined });
    const register = () => {
      if (!this.bays.has(bay.id)) this.bays.set(bay.id, bay);
    };
    this.identifying.add(locator);
    let client: DeviceDriver | undefined;
    try {
      // A device still finishing an earlier command (a stopped run's key generation) answers BUSY.
      const identity = await waitOutBusy(
        bay.id.replace('-', ' '),
        async () => {
          await client?.close().catch(() => {});
          client = undefined;
          client = await this.opts.openDevice(locator, this.opts.openOptions());
          return client.identify({ timeoutMs: 5000 });
        },
        this.opts.busy,
      );
      // Follow the device by UID: if another bay already follows it, that bay moves here.
      const owner = [...this.bays.values()].find((b) => b !== bay && b.device?.uid === identity.uid);
      if (owner) {
        // The bay that last had this path keeps its card, now without a device.
        if (existing) this.set(existing, { status: 'offline' });
        this.set(owner, {
          locator,
          device: identity,
          status: owner.status === 'busy' ? 'busy' : 'ready',
          error: undefined,
        });
        this.emit('arrived', owner.id);
        return this.toApi(owner);
      }
      register();
      this.set(bay, { device: identity, status: bay.status === 'busy' ? 'busy' : 'ready', error: undefined });
      this.emit('arrived', bay.id);
      return this.toApi(bay);
    } catch (e) {
      register();
      this.set(bay, { status: 'failed', error: toErrorShape(e) });
      throw e;
    } finally {
      this.identifying.delete(locator);
      await client?.close().catch(() => {});
    }
  }

  /** Starts polling for hot-plugged devices. */
  watch(): void {
    if (this.timer) return;
    const tick = () => void this.poll().catch(() => {});
    this.timer = setInterval(tick, this.opts.pollMs ?? 1000);
    this.timer.unref();
    tick();
  }

  /** One poll: attach new locators; mark bays whose locator vanished as offline. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const present = new Set(await this.present());
      for (const b of this.bays.values()) {
        if (
          !present.has(b.locator) &&
          b.status !== 'busy' &&
          b.status !== 'offline' &&
          b.locator.startsWith('serial:')
        ) {
          this.set(b, { status: 'offline' });
        }
      }
      // Two bays can share a path (one offline, its device gone; one whose device moved here).
      const known = new Map<string, BayState>();
      for (const b of this.bays.values()) {
        const seen = known.get(b.locator);
        if (!seen || seen.status === 'offline') known.set(b.locator, b);
      }
      const fresh = [...present].filter((l) => {
        const b = known.get(l);
        return !this.identifying.has(l) && (!b || b.status === 'offline');
      });
      await Promise.all(fresh.map((l) => this.attach(l).catch(() => {})));
    } finally {
      this.polling = false;
    }
  }

  private async present(): Promise<string[]> {
    const out = await this.opts.listPorts().catch(() => [] as string[]);
    for (const dir of this.opts.watchDirs) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) {
        const p = path.join(dir, n);
        if (fs.existsSync(p)) out.push(`serial:${p}`);
      }
    }
    return out;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
