/**
 * In-process byte-stream endpoints for `sim:NAME` locators. The simulator (sim/device) registers one
 * endpoint per simulated device; the station's sim transport looks it up by name. This keeps the
 * layering: the station never imports sim/, both meet here. Pure module (a Map of callbacks).
 */

/** The station side of a simulated serial line. */
export interface SimConnection {
  /** Station → device bytes. */
  write(bytes: Uint8Array): void;
  /** Disconnects the station side (idempotent). */
  close(): void;
}

/** Callbacks the station side provides when it connects. */
export interface SimPeer {
  /** Device → station bytes. */
  onData(bytes: Uint8Array): void;
  /** The line went away (device unplugged/reset). */
  onClose(reason: string): void;
}

/** What a simulated device registers. */
export interface SimEndpoint {
  /** Connects a station; throws when another station holds the line (the caller maps it to BUSY). */
  connect(peer: SimPeer): SimConnection;
}

const endpoints = new Map<string, SimEndpoint>();

/** Registers (or replaces) the endpoint for `sim:<name>`. */
export function registerSimEndpoint(name: string, ep: SimEndpoint): void {
  endpoints.set(name, ep);
}
/** Removes the endpoint (the device is unplugged or the simulator stopped). */
export function unregisterSimEndpoint(name: string, ep?: SimEndpoint): void {
  if (!ep || endpoints.get(name) === ep) endpoints.delete(name);
}
/** The endpoint for `sim:<name>`, if registered in this process. */
export function findSimEndpoint(name: string): SimEndpoint | undefined {
  return endpoints.get(name);
}
/** Names of the registered endpoints. */
export function listSimEndpoints(): string[] {
  return [...endpoints.keys()];
}
