/**
 * Shared setup of the device link tests: scripted devices on the real `sim:` transport (injected into
 * openDevice, as dev/ injects the simulator's) and the normal HELLO answer of such a device.
 */
import { afterEach } from 'vitest';
import * as p from '../../../shared/protocol';
import { streamFactory, type TransportFactories } from '../../../core/device/index';

/** The HELLO response payload of a scripted device: model SCRIPTED, UID U1, frames up to 256 bytes. */
export const HELLO_OK = p.encodeHelloResponse({
  protocolVersion: 1,
  model: 'SCRIPTED',
  uid: 'U1',
  firmware: '0',
  maxFrame: 256,
  capabilities: { keyAlgorithms: ['ECDSA-P256'], assetToken: false },
  state: { keyPresent: false, certInstalled: false, assetIdSet: false, locked: false },
});

/**
 * The scripted devices of a test file: `endpoints` by name (cleared after each test), reachable only
 * through `transports` (its `sim:` factory), which the tests pass to openDevice.
 */
export function useScriptedDevices(): {
  endpoints: Map<string, p.StreamEndpoint>;
  transports: TransportFactories;
} {
  const endpoints = new Map<string, p.StreamEndpoint>();
  const transports: TransportFactories = { sim: streamFactory((name) => endpoints.get(name)) };
  afterEach(() => endpoints.clear());
  return { endpoints, transports };
}
