/**
 * The byte-stream interface every device transport implements (serial, tcp, sim), and the factory
 * table that opens one per locator kind. The protocol link (./link.ts) sits on top and never knows
 * which one it has.
 */
import type { StationError } from '../../shared/errors';
import type { OpenOptions } from './types';

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

/**
 * Opens the transport of one locator kind.
 * @throws StationError DEVICE_PORT_NOT_FOUND | DEVICE_PORT_PERMISSION | DEVICE_PORT_BUSY
 */
export type TransportFactory<K extends ParsedLocator['kind']> = (
  locator: string,
  parsed: Extract<ParsedLocator, { kind: K }>,
  opts: OpenOptions,
) => Transport | Promise<Transport>;

/**
 * Factories by locator kind. core/device provides `serial` and `tcp`; `sim` exists only where the
 * caller injects it (dev/ injects the factory of the simulator it started, tests their scripted
 * devices). An entry given by the caller replaces the built-in one of that kind.
 */
export type TransportFactories = { [K in ParsedLocator['kind']]?: TransportFactory<K> };
