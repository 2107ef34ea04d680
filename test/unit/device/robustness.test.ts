/**
 * Serial robustness of the protocol v1 link (every family shares the rules): a ROM reset banner while
 * a command runs fails it at once with DEVICE_RESET (the saga then re-runs the step); a board in its
 * ESP download mode fails at once with DEVICE_BOOTLOADER ("press reset"); frames ending in CR only,
 * LF only or CR LF are all read; noise before the first frame goes to the log. The device is a
 * scripted endpoint on the real `sim:` transport.
 */
import { describe, expect, it } from 'vitest';
import * as p from '../../../shared/protocol';
import { openDevice } from '../../../core/device/index';
import { bootSign } from '../../../core/device/boot-signs';
import { HELLO_OK, useScriptedDevices } from './scripted';

const { endpoints, transports } = useScriptedDevices();
const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

/** A device that answers HELLO (with `eol` line ends and `before` printed first) and runs `other` for the rest. */
function device(
  name: string,
  o: { eol?: string; before?: string; other?: (f: p.Frame, send: (s: string | Uint8Array) => void) => void },
) {
  endpoints.set(name, {
    connect(peer) {
      const dec = new p.FrameDecoder();
      const send = (b: string | Uint8Array) =>
        queueMicrotask(() => peer.onData(typeof b === 'string' ? ascii(b) : b));
      let first = true;
      return {
        write(b) {
          for (const ev of dec.push(b)) {
            if (ev.kind !== 'frame') continue;
            if (first && o.before) send(o.before);
            first = false;
            if (ev.frame.type === 'HELLO') {
              const wire = Buffer.from(
                p.encodeFrame({ id: ev.frame.id, type: 'OK', seq: 1, total: 1, payload: HELLO_OK }),
              ).toString('latin1');
              send(wire.replace(/\r\n$/, o.eol ?? '\r\n'));
            } else o.other?.(ev.frame, send);
          }
        },
        close() {},
      };
    },
  });
  return `sim:${name}`;
}

describe('line ends and noise', () => {
  it.each(['\r', '\n', '\r\n'])('reads frames ending in %j', async (eol) => {
    const c = await openDevice(device('eol', { eol }), {}, transports);
    expect((await c.hello({ timeoutMs: 1000 })).uid).toBe('U1');
    await c.close();
  });

  it('noise before the first frame goes to the log, not into the reply', async () => {
    const logs: string[] = [];
    const loc = device('noise', { before: '\x00\xfe\x13garbage\r\nI (12) app: booting $5\r\n' });
    const c = await openDevice(loc, { onDeviceLog: (l) => logs.push(l) }, transports);
    expect((await c.hello({ timeoutMs: 1000 })).uid).toBe('U1');
    expect(logs.join('\n')).toContain('I (12) app: booting');
    expect(logs.join('\n')).toContain('garbage');
    await c.close();
  });
});

describe('reset and bootloader banners', () => {
  it('an ESP ROM reset banner while KEYGEN runs fails it at once with DEVICE_RESET', async () => {
    const loc = device('reset', {
      other: (_f, send) =>
        setTimeout(
          () =>
            send(
              'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n',
            ),
          20,
        ),
    });
    const c = await openDevice(loc, {}, transports);
    await c.hello({ timeoutMs: 1000 });
    const t0 = Date.now();
    await expect(c.keygen(0, 'ECDSA-P256', false, { timeoutMs: 20_000 })).rejects.toMatchObject({
      code: 'DEVICE_RESET',
    });
    expect(Date.now() - t0).toBeLessThan(1000);
    await c.close();
  });

  it('a reset banner buffered before the first answer is only logged', async () => {
    const logs: string[] = [];
    const loc = device('stale', { before: 'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n' });
    const c = await openDevice(loc, { onDeviceLog: (l) => logs.push(l) }, transports);
    expect((await c.hello({ timeoutMs: 1000 })).uid).toBe('U1');
    expect(logs.some((l) => l.startsWith('rst:0x1'))).toBe(true);
    await c.close();
  });

  it('a board waiting in ESP download mode fails at once: press reset', async () => {
    endpoints.set('dl', {
      connect(peer) {
        let said = false;
        return {
          write() {
            if (said) return;
            said = true;
            queueMicrotask(() =>
              peer.onData(
                ascii(
                  'rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n',
                ),
              ),
            );
          },
          close() {},
        };
      },
    });
    const c = await openDevice('sim:dl', {}, transports);
    const t0 = Date.now();
    const err = await c
      .hello({ timeoutMs: 3000 })
      .catch((e: unknown) => e as { code: string; remedy: string });
    expect(err).toMatchObject({ code: 'DEVICE_BOOTLOADER' });
    expect((err as { remedy: string }).remedy).toMatch(/bootloader: press/);
    expect(Date.now() - t0).toBeLessThan(1000);
    // Every later request fails the same way until the firmware answers.
    await expect(c.hello({ timeoutMs: 3000 })).rejects.toMatchObject({ code: 'DEVICE_BOOTLOADER' });
    await c.close();
  });

  it('classifies banners', () => {
    expect(bootSign('waiting for download')).toBe('bootloader');
    expect(bootSign('rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)')).toBe('reset');
    expect(bootSign('*** Booting nRF Connect SDK v2.6.0 ***')).toBe('reset');
    expect(bootSign('I (318) app: protocol v1 ready')).toBeUndefined();
  });
});
