/**
 * Bad input from a device never crashes or hangs the station: each case gives a typed StationError.
 * The "device" here is a scripted endpoint on the real `sim:` transport (injected into openDevice, as
 * dev/ injects the simulator's) that answers each request frame with crafted bytes (wrong ids,
 * unknown types, garbage, bad CRCs, malformed bodies).
 */
import { describe, expect, it } from 'vitest';
import { isStationError } from '../../../shared/errors';
import * as p from '../../../shared/protocol';
import { openDevice, parseLocator, streamTransport } from '../../../core/device/index';
import { mapOpenError } from '../../../core/device/errors';
import { HELLO_OK, useScriptedDevices } from './scripted';

type Script = (req: p.Frame, send: (b: Uint8Array) => void, close: () => void) => void;
/** The scripted devices of the running test, by name; reachable only through `transports`. */
const { endpoints, transports } = useScriptedDevices();

/** Registers a scripted device; HELLO is answered normally unless the script handles it. */
function scripted(name: string, script: Script, handleHello = false): string {
  endpoints.set(name, {
    connect(peer) {
      const dec = new p.FrameDecoder();
      const send = (b: Uint8Array) => queueMicrotask(() => peer.onData(b));
      return {
        write(b) {
          for (const ev of dec.push(b)) {
            if (ev.kind !== 'frame') continue;
            if (ev.frame.type === 'HELLO' && !handleHello)
              send(p.encodeFrame({ id: ev.frame.id, type: 'OK', seq: 1, total: 1, payload: HELLO_OK }));
            else script(ev.frame, send, () => peer.onClose('scripted unplug'));
          }
        },
        close() {},
      };
    },
  });
  return `sim:${name}`;
}

/** Opens a scripted device through the injected `sim:` factory. */
const open = (locator: string) => openDevice(locator, {}, transports);

async function codeOf(pr: Promise<unknown>): Promise<string> {
  try {
    await pr;
    return 'resolved';
  } catch (e) {
    expect(isStationError(e)).toBe(true);
    return (e as { code: string }).code;
  }
}

const reply = (req: p.Frame, type: string, payload: Uint8Array, id = req.id) =>
  p.encodeFrame({ id, type, seq: 1, total: 1, payload });

describe('station link against misbehaving devices', () => {
  it('a response with an id no request carried → DEVICE_PROTOCOL', async () => {
    const c = await open(
      scripted('wrongid', (r, send) => send(reply(r, 'OK', new Uint8Array(0), (r.id + 77) & 0xffff))),
    );
    expect(await codeOf(c.lock({ timeoutMs: 2000 }))).toBe('DEVICE_PROTOCOL');
    await c.close();
  });

  it('an unknown response type → DEVICE_PROTOCOL', async () => {
    const c = await open(scripted('badtype', (r, send) => send(reply(r, 'WHATEVER', new Uint8Array(0)))));
    expect(await codeOf(c.lock({ timeoutMs: 2000 }))).toBe('DEVICE_PROTOCOL');
    await c.close();
  });

  it('only garbage and log lines → DEVICE_TIMEOUT within the deadline, no hang', async () => {
    const c = await open(
      scripted('garbage', (_r, send) =>
        send(new Uint8Array(Buffer.from('I (1) log\r\n\x00\xff$$AS1 junk\r\n', 'latin1'))),
      ),
    );
    const t0 = Date.now();
    expect(await codeOf(c.lock({ timeoutMs: 1200 }))).toBe('DEVICE_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(3000);
    await c.close();
  });

  it('only frames with bad CRCs → DEVICE_PROTOCOL naming the corruption', async () => {
    const c = await open(
      scripted('badcrc', (r, send) => {
        const f = reply(r, 'OK', new Uint8Array(0));
        f[f.length - 3] = f[f.length - 3] === 0x30 ? 0x31 : 0x30;
        send(f);
      }),
    );
    const e = await c.lock({ timeoutMs: 1500 }).catch((x: unknown) => x as { code: string; message: string });
    expect(e).toMatchObject({ code: 'DEVICE_PROTOCOL' });
    expect((e as { message: string }).message).toMatch(/corrupted frame/);
    await c.close();
  });

  it('an oversize flood without line end is dropped, the real answer still arrives', async () => {
    const c = await open(
      scripted('flood', (r, send) => {
        send(new Uint8Array(100_000).fill(0x41).map((v, i) => (i === 0 ? 0x24 : v)));
        send(Uint8Array.of(0x0a));
        send(reply(r, 'OK', new Uint8Array(0)));
      }),
    );
    await expect(c.lock({ timeoutMs: 3000 })).resolves.toBeUndefined();
    await c.close();
  });

  it('device error codes map to stable station codes', async () => {
    const answers: Record<string, number> = {
      PUT_CERT: p.DEVICE_ERRORS.KEY_MISMATCH,
      KEYGEN: p.DEVICE_ERRORS.LOCKED,
      LOCK: p.DEVICE_ERRORS.UNKNOWN_COMMAND,
      SET_ASSET: p.DEVICE_ERRORS.STORAGE,
    };
    const c = await open(
      scripted('errs', (r, send) => send(reply(r, 'ERR', p.encodeError(answers[r.type]!, 'scripted')))),
    );
    expect(await codeOf(c.putCert(0, [Uint8Array.of(0x30, 0)]))).toBe('CERT_INSTALL_REFUSED');
    expect(await codeOf(c.keygen(0, 'ECDSA-P256', true))).toBe('DEVICE_LOCKED');
    expect(await codeOf(c.lock())).toBe('DEVICE_PROTOCOL');
    expect(await codeOf(c.setAsset({ assetId: 'a', orgId: 'o' }))).toBe('DEVICE_REFUSED');
    await c.close();
  });

  it('malformed bodies (HELLO without fields, ES256 signature of 70 bytes, ERR without code) → DEVICE_PROTOCOL', async () => {
    const c1 = await open(
      scripted('badhello', (r, send) => send(reply(r, 'OK', Uint8Array.of(0x20, 0, 1))), true),
    );
    expect(await codeOf(c1.hello())).toBe('DEVICE_PROTOCOL');
    await c1.close();
    const c2 = await open(scripted('badsig', (r, send) => send(reply(r, 'OK', new Uint8Array(70)))));
    expect(await codeOf(c2.sign(0, Uint8Array.of(1), 'ES256'))).toBe('DEVICE_PROTOCOL');
    await c2.close();
    const c3 = await open(scripted('baderr', (r, send) => send(reply(r, 'ERR', new Uint8Array(0)))));
    expect(await codeOf(c3.lock())).toBe('DEVICE_PROTOCOL');
    await c3.close();
  });

  it('the line going away mid-command → DEVICE_PORT_VANISHED at once, and for later calls', async () => {
    const c = await open(scripted('unplug', (_r, _send, close) => setTimeout(close, 50)));
    const t0 = Date.now();
    expect(await codeOf(c.lock({ timeoutMs: 10_000 }))).toBe('DEVICE_PORT_VANISHED');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await codeOf(c.getAsset())).toBe('DEVICE_PORT_VANISHED');
    await c.close();
  });

  it('bad arguments are refused before anything is sent', async () => {
    const c = await open(scripted('args', (r, send) => send(reply(r, 'OK', new Uint8Array(0)))));
    expect(await codeOf(c.keygen(300, 'ECDSA-P256', false))).toBe('BAD_REQUEST');
    expect(await codeOf(c.putCert(0, []))).toBe('BAD_REQUEST');
    expect(await codeOf(c.csr(0, { 'C N': 'x' }, []))).toBe('BAD_REQUEST');
    await c.close();
  });
});

describe('locators and open errors', () => {
  it('parses the three locator kinds and rejects others', () => {
    expect(parseLocator('serial:/dev/ttyUSB0')).toEqual({ kind: 'serial', path: '/dev/ttyUSB0' });
    expect(parseLocator('tcp:10.0.0.5:4001')).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 4001 });
    expect(parseLocator('tcp:[::1]:4001')).toEqual({ kind: 'tcp', host: '::1', port: 4001 });
    expect(parseLocator('sim:SIM-0001')).toEqual({ kind: 'sim', name: 'SIM-0001' });
    for (const bad of ['', 'serial:', 'tcp:host', 'tcp:h:99999', 'sim:a b', 'usb:1'])
      expect(() => parseLocator(bad)).toThrowError(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('maps OS errors to port codes with remedies (EACCES names dialout and the udev rule)', () => {
    const acc = mapOpenError(
      'serial:/dev/ttyUSB0',
      Object.assign(new Error('Error: Permission denied, cannot open /dev/ttyUSB0'), { code: 'EACCES' }),
    );
    expect(acc.code).toBe('DEVICE_PORT_PERMISSION');
    expect(acc.remedy).toMatch(/dialout/);
    expect(acc.remedy).toMatch(/udev/);
    expect(
      mapOpenError('serial:/x', new Error('Error Resource temporarily unavailable Cannot lock port')).code,
    ).toBe('DEVICE_PORT_BUSY');
    expect(
      mapOpenError('serial:/x', new Error('Error: No such file or directory, cannot open /x')).code,
    ).toBe('DEVICE_PORT_NOT_FOUND');
    expect(
      mapOpenError('tcp:h:1', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
        .code,
    ).toBe('DEVICE_PORT_NOT_FOUND');
  });

  it('sim: locator with no injected sim factory → DEVICE_PORT_NOT_FOUND (nothing is looked up globally)', async () => {
    scripted('elsewhere', () => {});
    expect(await codeOf(openDevice('sim:elsewhere'))).toBe('DEVICE_PORT_NOT_FOUND');
    expect(await codeOf(openDevice('sim:nobody-here'))).toBe('DEVICE_PORT_NOT_FOUND');
  });

  it('an injected sim factory that does not know the name → DEVICE_PORT_NOT_FOUND naming it', async () => {
    const e = await open('sim:nobody-here').catch((x: unknown) => x as { code: string; message: string });
    expect(e).toMatchObject({ code: 'DEVICE_PORT_NOT_FOUND' });
    expect((e as { message: string }).message).toMatch(/nobody-here/);
  });

  it('an endpoint that refuses the connection → DEVICE_PORT_BUSY', async () => {
    endpoints.set('taken', {
      connect() {
        throw new Error('held by another station');
      },
    });
    expect(await codeOf(open('sim:taken'))).toBe('DEVICE_PORT_BUSY');
  });

  it("a caller's factory replaces the built-in one of its kind", async () => {
    scripted('behind-serial', (r, send) => send(reply(r, 'OK', new Uint8Array(0))));
    const c = await openDevice(
      'serial:/dev/not-a-real-port',
      {},
      { serial: (locator) => streamTransport(locator, endpoints.get('behind-serial')!) },
    );
    expect((await c.hello()).uid).toBe('U1');
    expect(c.locator).toBe('serial:/dev/not-a-real-port');
    await c.close();
  });
});
