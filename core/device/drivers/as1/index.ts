/**
 * The protocol v1 family (docs/device-protocol.md): firmware that speaks our own framed protocol.
 * A thin driver over {@link ProtocolClient}; the key lives in slot 0.
 */
import crypto from 'node:crypto';
import type { DeviceIdentity } from '../../../../shared/domain';
import { StationError } from '../../../../shared/errors';
import { ProtocolClient } from '../../client';
import { DeviceLink } from '../../link';
import type { Transport } from '../../transport';
import type { AssetBinding, CallOptions, OpenOptions, SignatureAlgorithm } from '../../types';
import type { DeviceDriver, DriverCapabilities, GeneratedKey, KeyRequest } from '../types';

const SLOT = 0;
const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

export const AS1_CAPABILITIES: DriverCapabilities = {
  proofOfPossession: { kind: 'sign-challenge' },
  assetBinding: { kind: 'device' },
  actorToken: { ok: true },
  csrSans: true,
  csrAtKeygen: false,
};

export class As1Driver implements DeviceDriver {
  readonly family = 'as1' as const;
  readonly capabilities = AS1_CAPABILITIES;

  constructor(readonly client: ProtocolClient) {}

  get locator(): string {
    return this.client.locator;
  }

  get stats(): { bytesOut: number; bytesIn: number } {
    return this.client.stats;
  }

  async identify(o?: CallOptions): Promise<DeviceIdentity> {
    return { ...(await this.client.hello(o)), family: 'as1' };
  }

  async generateKey(req: KeyRequest, o?: CallOptions): Promise<GeneratedKey> {
    return this.client.keygen(SLOT, req.algorithm, req.replace, o);
  }

  requestCsr(subject: Record<string, string>, sans: string[], o?: CallOptions): Promise<Uint8Array> {
    return this.client.csr(SLOT, subject, sans, o);
  }

  sign(data: Uint8Array, alg: SignatureAlgorithm, o?: CallOptions): Promise<Uint8Array> {
    return this.client.sign(SLOT, data, alg, o);
  }

  installCertificate(chain: Uint8Array[], o?: CallOptions): Promise<void> {
    return this.client.putCert(SLOT, chain, o);
  }

  /** SHA-256 of each certificate GET_CERT returns (the whole stored chain, leaf first). */
  async installedChainDigests(o?: CallOptions): Promise<string[]> {
    return (await this.client.getCert(SLOT, o)).map(sha256);
  }

  readCertificateChain(o?: CallOptions): Promise<Uint8Array[]> {
    return this.client.getCert(SLOT, o);
  }

  /** SHA-256 of each certificate's DER: equal digests item for item = the same bytes (FIPS 180-4). */
  chainDigests(chain: Uint8Array[]): string[] {
    return chain.map(sha256);
  }

  writeAssetBinding(b: AssetBinding, o?: CallOptions): Promise<void> {
    return this.client.setAsset(b, o);
  }

  readAssetBinding(o?: CallOptions): Promise<AssetBinding | undefined> {
    return this.client.getAsset(o);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** An AT modem answers a v1 frame with an `ERROR` line (or `OK`): no need to wait for HELLO's timeout. */
const AT_FINAL = /^(OK|ERROR|\+CME ERROR: ?\d+)$/;

/**
 * Probes an open line for a protocol v1 device: HELLO with `timeoutMs` (default 1500). Resolves the
 * driver (owning the transport), or undefined (transport closed) when nothing v1 answered.
 * @throws StationError DEVICE_BOOTLOADER, DEVICE_PORT_* (those end the probe for every family)
 */
export async function probeAs1(
  t: Transport,
  opts: OpenOptions,
  timeoutMs = 1500,
): Promise<As1Driver | undefined> {
  let atSeen: (() => void) | undefined;
  const atLine = new Promise<'at'>((resolve) => (atSeen = () => resolve('at')));
  const link = new DeviceLink(t, opts.baudRate ?? 115200, (line) => {
    opts.onDeviceLog?.(line);
    if (AT_FINAL.test(line.trim())) atSeen?.();
  });
  if (opts.commandCeilingsMs) link.ceilingsMs = opts.commandCeilingsMs;
  const driver = new As1Driver(new ProtocolClient(link));
  const ac = new AbortController();
  try {
    const hello = driver.identify({ timeoutMs, signal: ac.signal });
    hello.catch(() => {});
    const r = await Promise.race([hello, atLine]);
    if (r !== 'at') return driver;
  } catch (e) {
    if (!(e instanceof StationError) || !['DEVICE_TIMEOUT', 'DEVICE_PROTOCOL'].includes(e.code)) {
      await driver.close().catch(() => {});
      throw e;
    }
  }
  ac.abort();
  await driver.close().catch(() => {});
  return undefined;
}
