/**
 * The contract of an in-process byte stream: a device that lives in the same process as the station
 * (a simulated device, a scripted test device) offers a {@link StreamEndpoint}; the station's device
 * link connects to it as if it were a serial line. Types only: whoever starts the device hands the
 * endpoint to the station (core/device `openDevice(locator, opts, { sim: … })`); nothing is looked up
 * in a process-wide table.
 */

/** The station side of a connected stream. */
export interface StreamConnection {
  /** Station → device bytes. */
  write(bytes: Uint8Array): void;
  /** Disconnects the station side (idempotent). */
  close(): void;
}

/** Callbacks the station side provides when it connects. */
export interface StreamPeer {
  /** Device → station bytes. */
  onData(bytes: Uint8Array): void;
  /** The line went away (device unplugged or reset). */
  onClose(reason: string): void;
}

/** What an in-process device offers. */
export interface StreamEndpoint {
  /** Connects a station; throws when another station holds the line (the station reports it as busy). */
  connect(peer: StreamPeer): StreamConnection;
}
