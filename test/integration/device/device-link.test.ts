/**
 * Device link over real PTYs (socat) against the device simulator: the full provisioning exchange,
 * persistence across a simulator restart, every fault switch (boot noise, log noise, corrupted bytes,
 * dropped bytes, split writes, reset mid-command, slow and no response, refusing when locked), port
 * errors (busy, not found, vanished + reopen), clones, baud throttling, the in-process `sim:`
 * transport, and the tcp transport through Debian's ser2net.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeviceSimulator, type DeviceSimulator, type SimHandle } from '../../../sim/device/index';
import {
  openDevice,
  openProtocolClient,
  type DeviceClient,
  type ProtocolClient,
} from '../../../core/device/index';
import { realServices } from '../../../core/wiring';
import { simTransports } from '../../../dev/simulators';
import { testChain } from '../../../core/device/conformance/test-chain';

x509.cryptoProvider.set(crypto.webcrypto as unknown as Crypto);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-devlink-'));
let sim: DeviceSimulator;
const uids: string[] = [];

async function code(pr: Promise<unknown>): Promise<string> {
  try {
    await pr;
    return 'resolved';
  } catch (e) {
    return (e as { code?: string }).code ?? `untyped: ${String(e)}`;
  }
}

/** Opens `locator`, retrying while the port is (still) gone after a reset. */
async function reopen(locator: string, withinMs = 5000): Promise<DeviceClient> {
  const t0 = Date.now();
  for (;;) {
    try {
      return await openDevice(locator);
    } catch (e) {
      if (Date.now() - t0 > withinMs) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function verify(spki: Uint8Array, alg: string, data: Uint8Array, sig: Uint8Array): boolean {
  const key = crypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  return alg === 'ECDSA-P256'
    ? crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)
    : crypto.verify('sha256', data, { key, padding: crypto.constants.RSA_PKCS1_PADDING }, sig);
}

const home = path.join(tmp, 'home');
const loc = (i: number) => sim.devices[i]!.locator;

beforeAll(async () => {
  sim = await startDeviceSimulator({
    home,
    count: 10,
    keyAlgorithms: ['ECDSA-P256', 'RSA-2048'],
    keygenDelayMs: 150,
    maxFrame: 256,
    transport: 'pty',
    clones: [{ of: 'SIM-0001' }],
  });
  uids.push(...sim.devices.map((d) => d.uid));
});

afterAll(async () => {
  await sim?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('device link over PTYs', () => {
  it('runs the full provisioning exchange (RSA-2048, 256-byte frames) and state survives a simulator restart', async () => {
    const c = await openDevice(loc(1));
    const id = await c.hello();
    expect(id).toMatchObject({
      uid: 'SIM-0002',
      maxFrame: 256,
      capabilities: { keyAlgorithms: ['RSA-2048'] },
    });
    const progress: number[] = [];
    const k = await c.keygen(0, 'RSA-2048', false, { onProgress: (f) => progress.push(f) });
    expect(k.created).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    const csrDer = await c.csr(0, { CN: 'SIM-0002', O: 'Acme' }, ['urn:acme:device:SIM-0002']);
    const csr = new x509.Pkcs10CertificateRequest(new Uint8Array(csrDer).buffer as ArrayBuffer);
    expect(await csr.verify()).toBe(true);
    expect(Buffer.from(csr.publicKey.rawData).equals(Buffer.from(k.publicKeySpki))).toBe(true);
    const nonce = crypto.randomBytes(32);
    expect(verify(k.publicKeySpki, 'RSA-2048', nonce, await c.sign(0, nonce, 'RS256'))).toBe(true);
    const chain = await testChain(k.publicKeySpki, 'RSA-2048');
    await c.putCert(0, chain);
    const back = await c.getCert(0);
    expect(back.map((b) => Buffer.from(b).toString('hex'))).toEqual(
      chain.map((b) => Buffer.from(b).toString('hex')),
    );
    const binding = {
      assetId: '02i000000000042AAA',
      orgId: '00D000000000001EAA',
      assetToken: 'eyJ' + 'x'.repeat(1000),
    };
    await c.setAsset(binding);
    expect(await c.getAsset()).toEqual(binding);
    expect((await c.hello()).state).toEqual({
      keyPresent: true,
      certInstalled: true,
      assetIdSet: true,
      locked: false,
    });
    await c.close();

    // Power cycle: a new simulator process on the same home keeps key, chain and binding.
    const again = await startDeviceSimulator({
      home: path.join(tmp, 'home'),
      count: 2,
      keyAlgorithms: ['ECDSA-P256', 'RSA-2048'],
      transport: 'sim',
      uidPrefix: 'SIM-',
    });
    try {
      const c2 = await openDevice(again.devices[1]!.locator, {}, simTransports(again));
      const k2 = await c2.keygen(0, 'RSA-2048', false);
      expect(k2.created).toBe(false);
      expect(Buffer.from(k2.publicKeySpki).equals(Buffer.from(k.publicKeySpki))).toBe(true);
      expect(await c2.getAsset()).toEqual(binding);
      await c2.close();
    } finally {
      await again.stop();
    }
    // the private key never appears in anything the device sent
    const pem = fs.readFileSync(path.join(home, 'sim', 'state', 'SIM-0002.json'), 'utf8');
    expect(pem).toMatch(/PRIVATE KEY/);
    expect((fs.statSync(path.join(home, 'sim', 'state', 'SIM-0002.json')).mode & 0o077) === 0).toBe(true);
  });

  it('boot noise: garbage at another baud rate and the ROM banner after a reset do not disturb HELLO', async () => {
    const h = sim.device(uids[2]!);
    h.setFaults({ bootNoise: true });
    await h.reset(100);
    const c = await openProtocolClient(loc(2));
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.hello()).uid).toBe(uids[2]);
    await c.close();
    // The station reads the noise when it is open during the reset.
    const c2 = await openProtocolClient(loc(2));
    await h.reset(50).catch(() => {});
    await c2.close();
    const c3 = await reopen(loc(2));
    expect((await c3.hello()).uid).toBe(uids[2]);
    await c3.close();
  });

  it('boot noise is skipped as noise while the port stays open (ROM banner is logged, not parsed)', async () => {
    // Same wire effect without a PTY re-creation: the device prints its boot output mid-session.
    const h = sim.device(uids[3]!);
    h.setFaults({ logNoise: true });
    const c = await openProtocolClient(loc(3));
    for (let i = 0; i < 5; i++) expect((await c.hello()).uid).toBe(uids[3]);
    expect(c.link.noise.join('\n')).toMatch(/I \(\d+\)|W \(\d+\)|D \(\d+\)/);
    await c.close();
  });

  it.each([
    {
      fault:
        'corrupted bytes (0.05 % per byte, both directions): commands still succeed via CRC + retransmission',
      on: { corruptRate: 0.0005 },
      off: { corruptRate: 0 },
      // The station's CRC/retransmit counters or the device's bad frames show the corruption was met.
      evidence: (c: ProtocolClient, h: SimHandle) =>
        c.link.stats.crcErrors + c.link.stats.malformed + c.link.stats.retransmits + h.stats.badFrames,
    },
    {
      fault: 'dropped bytes (0.05 % per byte, both directions): commands still succeed',
      on: { dropRate: 0.0005 },
      off: { dropRate: 0 },
      // The station itself saw the drops.
      evidence: (c: ProtocolClient) =>
        c.link.stats.retransmits + c.link.stats.malformed + c.link.stats.crcErrors,
    },
  ])('$fault', async ({ on, off, evidence }) => {
    const h = sim.device(uids[4]!);
    const c = await openProtocolClient(loc(4));
    const k = await c.keygen(0, 'ECDSA-P256', false);
    h.setFaults(on);
    for (let i = 0; i < 8; i++) {
      const data = crypto.randomBytes(1000);
      expect(verify(k.publicKeySpki, 'ECDSA-P256', data, await c.sign(0, data, 'ES256'))).toBe(true);
    }
    expect(evidence(c, h)).toBeGreaterThan(0);
    h.setFaults(off);
    await c.close();
  });

  it('split writes: a 2 KB chain arriving in 1–7 byte pieces is reassembled', async () => {
    const h = sim.device(uids[5]!);
    const c = await openDevice(loc(5));
    const k = await c.keygen(0, 'RSA-2048', false);
    const chain = await testChain(k.publicKeySpki, 'RSA-2048');
    await c.putCert(0, chain);
    h.setFaults({ splitWrites: true });
    const back = await c.getCert(0);
    expect(Buffer.concat(back).equals(Buffer.concat(chain))).toBe(true);
    h.setFaults({ splitWrites: false });
    await c.close();
  });

  it('reset mid-command: the port vanishes (DEVICE_PORT_VANISHED), returns at the same path, and the retry works', async () => {
    const h = sim.device(uids[6]!);
    h.setFaults({ resetOn: { command: 'KEYGEN', downMs: 200 } });
    const c = await openDevice(loc(6));
    await c.hello();
    const t0 = Date.now();
    expect(await code(c.keygen(0, 'ECDSA-P256', false))).toBe('DEVICE_PORT_VANISHED');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await code(c.hello())).toBe('DEVICE_PORT_VANISHED');
    await c.close();
    const c2 = await reopen(loc(6));
    const k = await c2.keygen(0, 'ECDSA-P256', false);
    expect(k.created).toBe(true);
    expect(h.stats.resets).toBe(1);
    await c2.close();
  });

  it('unplug while idle: a later call fails with DEVICE_PORT_VANISHED, not a hang', async () => {
    const h = sim.device(uids[6]!);
    const c = await openDevice(loc(6));
    await c.hello();
    await h.unplug();
    expect(await code(c.getAsset({ timeoutMs: 5000 }))).toBe('DEVICE_PORT_VANISHED');
    await c.close();
    expect(await code(openDevice(loc(6)))).toBe('DEVICE_PORT_NOT_FOUND');
    await h.plug();
    const c2 = await reopen(loc(6));
    expect((await c2.hello()).uid).toBe(uids[6]);
    await c2.close();
  });

  it('slow response (2.5 s of silence): the retransmitted request is ignored while busy, the answer arrives once', async () => {
    const h = sim.device(uids[7]!);
    const c = await openProtocolClient(loc(7));
    await c.hello();
    h.setFaults({ slowMs: 2500 });
    const before = h.stats.requests + 0;
    const t0 = Date.now();
    await c.setAsset({ assetId: '02iSLOW', orgId: '00DSLOW' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
    expect(c.link.stats.retransmits).toBeGreaterThan(0);
    h.setFaults({ slowMs: 0 });
    expect(await c.getAsset()).toEqual({ assetId: '02iSLOW', orgId: '00DSLOW' });
    void before;
    await c.close();
  });

  it('no response: DEVICE_TIMEOUT after the deadline, and the link still works afterwards', async () => {
    const h = sim.device(uids[7]!);
    const c = await openDevice(loc(7));
    await c.hello();
    h.setFaults({ noResponse: ['LOCK'] });
    const t0 = Date.now();
    expect(await code(c.lock({ timeoutMs: 2000 }))).toBe('DEVICE_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(4000);
    h.setFaults({ noResponse: false });
    expect((await c.hello()).state.locked).toBe(false);
    await c.close();
  });

  it('locked device: KEYGEN replace is refused (DEVICE_LOCKED); with refuseWhenLocked also SET_ASSET and PUT_CERT', async () => {
    const h = sim.device(uids[8]!);
    const c = await openDevice(loc(8));
    const k = await c.keygen(0, 'ECDSA-P256', false);
    await c.lock();
    expect((await c.hello()).state.locked).toBe(true);
    expect(await code(c.keygen(0, 'ECDSA-P256', true))).toBe('DEVICE_LOCKED');
    const same = await c.keygen(0, 'ECDSA-P256', false);
    expect(Buffer.from(same.publicKeySpki).equals(Buffer.from(k.publicKeySpki))).toBe(true);
    await c.setAsset({ assetId: '02iLOCKED', orgId: '00D' });
    h.setFaults({ refuseWhenLocked: true });
    expect(await code(c.setAsset({ assetId: '02iOTHER', orgId: '00D' }))).toBe('DEVICE_LOCKED');
    expect(await code(c.putCert(0, await testChain(k.publicKeySpki, 'ECDSA-P256')))).toBe('DEVICE_LOCKED');
    await c.close();
  });

  it('PUT_CERT with a certificate for another key → CERT_INSTALL_REFUSED', async () => {
    const c = await openDevice(loc(9));
    await c.keygen(0, 'RSA-2048', false);
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const chain = await testChain(
      new Uint8Array(other.publicKey.export({ type: 'spki', format: 'der' })),
      'ECDSA-P256',
    );
    expect(await code(c.putCert(0, chain))).toBe('CERT_INSTALL_REFUSED');
    expect(await c.getCert(0)).toEqual([]);
    await c.close();
  });

  it('clone: another UID with the same key as SIM-0001', async () => {
    const cloneLoc = sim.devices[10]!.locator;
    const a = await openDevice(loc(0));
    const b = await openDevice(cloneLoc);
    const ka = await a.keygen(0, 'ECDSA-P256', false);
    const kb = await b.keygen(0, 'ECDSA-P256', false);
    expect((await b.hello()).uid).not.toBe((await a.hello()).uid);
    expect(Buffer.from(kb.publicKeySpki).equals(Buffer.from(ka.publicKeySpki))).toBe(true);
    await a.close();
    await b.close();
  });

  it('port errors: second open → DEVICE_PORT_BUSY, missing path → DEVICE_PORT_NOT_FOUND; both line policies open a PTY', async () => {
    const c = await openDevice(loc(0), { lineControl: 'keep-low' });
    expect(await code(openDevice(loc(0)))).toBe('DEVICE_PORT_BUSY');
    await c.close();
    const d = await openDevice(loc(0), { lineControl: 'default' });
    expect((await d.hello()).uid).toBe(uids[0]);
    await d.close();
    expect(await code(openDevice(`serial:${tmp}/no-such-tty`))).toBe('DEVICE_PORT_NOT_FOUND');
  });

  it('baud throttling: 1.5 KB at 19200 bit/s takes at least its wire time (a PTY alone would not)', async () => {
    const slow = await startDeviceSimulator({
      home: path.join(tmp, 'slow'),
      count: 1,
      baudRate: 19200,
      transport: 'pty',
      keygenDelayMs: 0,
      keyAlgorithms: ['ECDSA-P256'],
    });
    try {
      const c = await openDevice(slow.devices[0]!.locator, { baudRate: 19200 });
      await c.keygen(0, 'ECDSA-P256', false);
      const before = c.stats.bytesOut + c.stats.bytesIn;
      const t0 = Date.now();
      await c.sign(0, crypto.randomBytes(1500), 'ES256');
      const bytes = c.stats.bytesOut + c.stats.bytesIn - before;
      const wireMs = (bytes * 10 * 1000) / 19200;
      expect(Date.now() - t0).toBeGreaterThanOrEqual(wireMs * 0.9);
      await c.close();
    } finally {
      await slow.stop();
    }
  });

  it('sim: transport (in-process, no PTY) runs the same protocol', async () => {
    const mem = await startDeviceSimulator({
      home: path.join(tmp, 'mem'),
      count: 2,
      transport: 'sim',
      keygenDelayMs: 50,
      uidPrefix: 'MEM-',
    });
    try {
      expect(mem.devices[0]!.locator).toBe('sim:MEM-0001');
      // Reachable only through the transports of the simulator that was started: no global registry.
      expect(await code(openDevice(mem.devices[0]!.locator))).toBe('DEVICE_PORT_NOT_FOUND');
      const transports = simTransports(mem);
      const c = await openDevice(mem.devices[0]!.locator, {}, transports);
      expect(await code(openDevice(mem.devices[0]!.locator, {}, transports))).toBe('DEVICE_PORT_BUSY');
      const k = await c.keygen(0, 'ECDSA-P256', false);
      const data = crypto.randomBytes(3000);
      expect(verify(k.publicKeySpki, 'ECDSA-P256', data, await c.sign(0, data, 'ES256'))).toBe(true);
      const p = c.hello();
      await mem.device('MEM-0001').unplug();
      expect(['DEVICE_PORT_VANISHED', 'resolved']).toContain(await code(p));
      expect(await code(c.hello())).toBe('DEVICE_PORT_VANISHED');
      await c.close();
      // Unplugged: its endpoint is gone, so opening it again finds nothing.
      expect(await code(openDevice(mem.devices[0]!.locator, {}, transports))).toBe('DEVICE_PORT_NOT_FOUND');
      await mem.device('MEM-0001').plug();
      const back = await openDevice(mem.devices[0]!.locator, {}, transports);
      expect((await back.hello()).uid).toBe('MEM-0001');
      await back.close();
    } finally {
      await mem.stop();
    }
  });

  it("the station's services open sim: devices through the transports injected into realServices", async () => {
    const mem = await startDeviceSimulator({
      home: path.join(tmp, 'wired'),
      count: 1,
      transport: 'sim',
      uidPrefix: 'WIRED-',
    });
    const secrets = {
      description: 'none',
      get: async () => undefined,
      set: async () => {},
      delete: async () => {},
    };
    try {
      const bare = realServices({ home: path.join(tmp, 'wired'), secrets });
      expect(await code(bare.openDevice('sim:WIRED-0001', {}))).toBe('DEVICE_PORT_NOT_FOUND');
      const wired = realServices({ home: path.join(tmp, 'wired'), secrets, transports: simTransports(mem) });
      const c = await wired.openDevice('sim:WIRED-0001', {});
      expect((await c.identify()).uid).toBe('WIRED-0001');
      await c.close();
    } finally {
      await mem.stop();
    }
  });
});

describe('tcp transport', () => {
  let ser2net: ChildProcess | undefined;
  afterAll(() => {
    ser2net?.kill('SIGTERM');
  });

  it('talks to a simulated device through Debian ser2net (raw TCP accepter, serialdev connector)', async () => {
    const bin = ['/usr/sbin/ser2net', '/usr/bin/ser2net'].find((p) => fs.existsSync(p));
    const dev = loc(3).slice('serial:'.length);
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    let bridge: net.Server | undefined;
    if (bin) {
      const cfg = path.join(tmp, 'ser2net.yaml');
      fs.writeFileSync(
        cfg,
        `connection: &dev\n  accepter: tcp,127.0.0.1,${port}\n  connector: serialdev,${dev},115200n81,local\n  options:\n    kickolduser: true\n    mdns: false\n`,
      );
      ser2net = spawn(bin, ['-n', '-u', '-c', cfg, '-P', path.join(tmp, 'ser2net.pid')], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 400));
    } else {
      // Fallback when ser2net is not installed: a TCP↔PTY bridge via the serial transport.
      const { openTransport } = await import('../../../core/device/index');
      bridge = net
        .createServer(async (sock) => {
          const t = await openTransport(`serial:${dev}`);
          t.onData((b) => sock.write(b));
          sock.on('data', (b) => void t.write(new Uint8Array(b)));
          sock.on('close', () => void t.close());
        })
        .listen(port, '127.0.0.1');
    }
    try {
      const c = await openDevice(`tcp:127.0.0.1:${port}`);
      expect((await c.hello()).uid).toBe(uids[3]);
      const k = await c.keygen(0, 'RSA-2048', false);
      const data = crypto.randomBytes(2000);
      expect(verify(k.publicKeySpki, k.algorithm, data, await c.sign(0, data, 'RS256'))).toBe(true);
      await c.close();
      expect(await code(openDevice('tcp:127.0.0.1:1'))).toBe('DEVICE_PORT_NOT_FOUND');
    } finally {
      bridge?.close();
    }
  });
});

describe('discovery by identity', () => {
  it('finds a device by its hardware UID among locators, and by USB serial number in a port list', async () => {
    const { findDeviceByUid, findPortBySerialNumber, probeLocators } =
      await import('../../../core/device/discovery');
    const cands = [`serial:${tmp}/absent`, loc(8), loc(9)];
    expect(await findDeviceByUid(uids[9]!, cands)).toBe(loc(9));
    expect(await findDeviceByUid('NOPE', cands)).toBeUndefined();
    const probes = await probeLocators(cands);
    expect(probes[0]).toMatchObject({ error: 'DEVICE_PORT_NOT_FOUND' });
    expect(probes[1]).toMatchObject({ uid: uids[8], model: 'AS-SIM-1' });
    const list = [
      { path: '/dev/ttyUSB0', locator: 'serial:/dev/ttyUSB0', serialNumber: 'A1B2' },
      { path: '/dev/ttyUSB1', locator: 'serial:/dev/ttyUSB1', serialNumber: 'C3D4' },
    ];
    expect((await findPortBySerialNumber('c3d4', list))?.locator).toBe('serial:/dev/ttyUSB1');
    expect(await findPortBySerialNumber('zzz', list)).toBeUndefined();
  });
});
