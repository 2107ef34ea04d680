/**
 * One simulated device: its persistent state, its protocol engine, its UART (baud throttling and byte
 * faults) and its port (PTY or in-process). Boot, unplug, replug and reset behave like a real board:
 * volatile protocol state is lost, flash (the state file) survives.
 */
import { DeviceEngine } from './engine';
import type { DeviceFaults } from './faults';
import { DeviceCommands, type DeviceProfile } from './handlers';
import { UartLine } from './line';
import { bootBanner, bootGarbage, logLine } from './noise';
import type { SimPort } from './ports';
import type { DeviceState } from './state';

/** Runtime control of one simulated device (tests and the demo use it to inject faults). */
export interface SimHandle {
  readonly uid: string;
  readonly locator: string;
  readonly model: string;
  /** Current fault switches (a live object: changes apply at once). */
  readonly faults: DeviceFaults;
  /** Replaces some fault switches. */
  setFaults(f: Partial<DeviceFaults>): void;
  /** Port disappears (PTY removed / sim endpoint gone). */
  unplug(): Promise<void>;
  /** Port returns at the same path; the device boots (with boot noise when that switch is on). */
  plug(): Promise<void>;
  /** Unplug, wait `downMs` (default 300), plug: a board reset. */
  reset(downMs?: number): Promise<void>;
  /** A copy of the public state (never the private key). */
  snapshot(): {
    keyPresent: boolean;
    certInstalled: boolean;
    assetId?: string;
    locked: boolean;
    spkiB64?: string;
  };
  /** Frames and errors the device saw (bad frames = CRC/malformed/oversize). */
  readonly stats: { framesIn: number; badFrames: number; requests: number; resets: number };
  /** Whether the port is currently present. */
  readonly plugged: boolean;
}

export class SimDevice implements SimHandle {
  private engine: DeviceEngine | undefined;
  private toStation: UartLine;
  private toDevice: UartLine;
  private isPlugged = false;
  readonly stats = { framesIn: 0, badFrames: 0, requests: 0, resets: 0 };
  readonly commands: DeviceCommands;
  private pendingReset: Promise<void> | undefined;

  constructor(
    home: string,
    private readonly profile: DeviceProfile,
    state: DeviceState,
    private readonly port: SimPort,
    readonly faults: DeviceFaults,
    baud: number,
  ) {
    this.commands = new DeviceCommands(home, profile, state, () => this.faults);
    this.toStation = new UartLine(
      baud,
      () => this.faults,
      (b) => this.port.write(b),
    );
    this.toDevice = new UartLine(
      baud,
      () => this.faults,
      (b) => this.engine?.receive(b),
    );
  }

  get uid(): string {
    return this.commands.state.uid;
  }
  get locator(): string {
    return this.port.locator;
  }
  get model(): string {
    return this.profile.model;
  }
  get plugged(): boolean {
    return this.isPlugged;
  }

  setFaults(f: Partial<DeviceFaults>): void {
    Object.assign(this.faults, f);
  }

  snapshot() {
    const s = this.commands.state;
    const key = s.slots[0]?.key;
    return {
      keyPresent: s.slots.some((x) => x.key),
      certInstalled: s.slots.some((x) => x.chain.length > 0),
      ...(s.asset ? { assetId: s.asset.assetId } : {}),
      locked: s.locked,
      ...(key ? { spkiB64: Buffer.from(key.spki).toString('base64') } : {}),
    };
  }

  private harvest(): void {
    if (!this.engine) return;
    this.stats.framesIn += this.engine.stats.framesIn;
    this.stats.badFrames += this.engine.stats.badFrames;
    this.stats.requests += this.engine.stats.requests;
  }

  async plug(): Promise<void> {
    if (this.isPlugged) return;
    const engine = new DeviceEngine(
      this.profile.maxFrame,
      (b) => this.toStation.send(b),
      (cmd, body, ctx) => this.commands.run(cmd, body, ctx),
      {
        beforeRun: (cmd) => {
          const f = this.faults;
          const nr = f.noResponse;
          if (nr === true || (Array.isArray(nr) && nr.includes(cmd))) return 'drop';
          if (f.resetOn && f.resetOn.command === cmd) {
            const downMs = f.resetOn.downMs ?? 300;
            if (f.resetOn.once !== false) delete f.resetOn;
            this.pendingReset = this.reset(downMs);
            return 'reset';
          }
          if (f.strayOn && f.strayOn.command === cmd) {
            if (f.strayOn.once !== false) delete f.strayOn;
            return 'stray';
          }
          return 'run';
        },
        delayMs: () => this.faults.slowMs ?? 0,
        logLine: () => (this.faults.logNoise ? logLine() : undefined),
      },
    );
    this.engine = engine;
    await this.port.plug((b) => this.toDevice.send(b));
    this.isPlugged = true;
    if (this.faults.bootNoise) {
      this.toStation.send(bootGarbage());
      this.toStation.send(Buffer.from(bootBanner(this.uid, this.profile.firmware)));
    }
  }

  async unplug(): Promise<void> {
    if (!this.isPlugged) return;
    this.isPlugged = false;
    this.harvest();
    this.engine?.reset();
    this.engine = undefined;
    this.toStation.clear();
    this.toDevice.clear();
    await this.port.unplug();
  }

  async reset(downMs = 300): Promise<void> {
    this.stats.resets++;
    await this.unplug();
    await new Promise((r) => setTimeout(r, downMs));
    await this.plug();
  }

  /** Stops for good: unplugs and waits for a pending fault-triggered reset. */
  async stop(): Promise<void> {
    const p = this.pendingReset;
    if (p) await p.catch(() => {});
    await this.unplug();
    this.toStation.close();
    this.toDevice.close();
  }
}
