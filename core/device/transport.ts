/**
 * The byte-stream interface every device transport implements (serial, tcp, sim). The protocol link
 * (./link.ts) sits on top and never knows which one it has.
 */
import type { StationError } from '../../shared/errors';

export interface Transport {
  /** The locator this transport was opened for. */
  readonly locator: string;
  /** Writes bytes; rejects with a StationError (DEVICE_PORT_VANISHED …) when the line is gone. */
  write(bytes: Uint8Array): Promise<void>;
  /** Registers the receiver of incoming bytes (one receiver). */
  onData(cb: (bytes: Uint8Array) => void): void;
  /** Called once when the line goes away without close() (unplug, reset, peer closed, I/O error). */
  onClose(cb: (err: StationError) => void): void;
  /** Closes the line. Idempotent. */
  close(): Promise<void>;
}

/** Parsed form of a locator (shared/domain.ts Locator). */
export type ParsedLocator =
  | { kind: 'serial'; path: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'sim'; name: string };
