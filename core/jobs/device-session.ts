/**
 * The device connection of one job run: opened on first use (or the bay's already-open client), dropped
 * when the device vanishes, and followed to another locator when the device comes back there (USB
 * re-enumeration after a reset): the bay manager knows where each hardware UID is attached now.
 */
import fs from 'node:fs';
import type { DeviceDriver, DriverOpenOptions } from '../device';
import { RETURN_POLL_INTERVAL_MS, sleep } from './recovery';

/** What a session needs from the station. */
export interface DeviceSessionDeps {
  openDevice(locator: string, opts?: DriverOpenOptions): Promise<DeviceDriver>;
  openOptions(): DriverOpenOptions;
  /** Where a device UID is attached now, if anywhere. */
  locate?: (uid: string) => Promise<string | undefined>;
  /** The device moved to `to`: journal and audit it. */
  onRelocated(from: string, to: string): void;
}

/** True when the locator's device node exists (serial paths), or always for tcp/sim. */
function locatorPresent(locator: string): boolean {
  if (!locator.startsWith('serial:')) return true;
  return fs.existsSync(locator.slice('serial:'.length));
}

/** One job run's device connection. */
export class DeviceSession {
  private device: DeviceDriver | undefined;
  private openedHere = false;

  constructor(
    private readonly deps: DeviceSessionDeps,
    /** Where the device is (changes when it comes back elsewhere). */
    public locator: string,
    /** An already-open client to use first (the bay's). */
    device?: DeviceDriver,
  ) {
    this.device = device;
  }

  /** The open client, opening the locator if needed. Throws the device layer's errors. */
  async open(): Promise<DeviceDriver> {
    if (this.device) return this.device;
    this.device = await this.deps.openDevice(this.locator, this.deps.openOptions());
    this.openedHere = true;
    return this.device;
  }

  /** Closes the client (the device went away or answered garbage). Never throws. */
  async drop(): Promise<void> {
    const d = this.device;
    this.device = undefined;
    if (d) await d.close().catch(() => {});
  }

  /** Closes the client if this session opened it (the bay's own client stays open). */
  async close(): Promise<void> {
    if (this.openedHere) await this.drop();
  }

  /**
   * Waits until the device is back: on its locator, or on another where the bay manager now sees
   * `uid` (the session then moves there). False when `untilMs` (epoch ms) passes or `signal` aborts.
   */
  async waitForReturn(untilMs: number, uid: string | undefined, signal: AbortSignal): Promise<boolean> {
    while (Date.now() < untilMs && !signal.aborted) {
      if (locatorPresent(this.locator)) return true;
      const moved = uid && this.deps.locate ? await this.deps.locate(uid).catch(() => undefined) : undefined;
      if (moved && moved !== this.locator && locatorPresent(moved)) {
        const from = this.locator;
        this.locator = moved;
        this.deps.onRelocated(from, moved);
        return true;
      }
      await sleep(RETURN_POLL_INTERVAL_MS, signal);
    }
    return locatorPresent(this.locator) && !signal.aborted;
  }

  /** The UID the device identifies with, or undefined when it does not answer yet (then dropped). */
  async helloUid(signal: AbortSignal): Promise<string | undefined> {
    try {
      return (await (await this.open()).identify({ signal })).uid;
    } catch {
      await this.drop();
      return undefined;
    }
  }
}
