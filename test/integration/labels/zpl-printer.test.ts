/**
 * Issue 16: the device label in ZPL over raw TCP to a network label printer — against a real loopback
 * listener that captures each print job and checks the ZPL: one label, the QR code of the UID, the
 * Asset ID, the label size; field data that tries to inject ZPL commands is escaped; a refused
 * connection, a bad address and a printer that never takes the job fail with a clear error in time.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProvisioningRecord } from '../../../shared/domain';
import { buildZpl, zplField } from '../../../core/labels/zpl';
import { parsePrinterAddress, sendRaw } from '../../../core/labels/raw-printer';
import { startZplListener, type ZplListener } from './zpl-listener';

const record: ProvisioningRecord = {
  jobId: 'job-1',
  kind: 'provision',
  deviceUid: 'SIM-0042',
  model: 'AS-SIM-1',
  assetId: '02i000000000042AAA',
  certSerial: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  outcome: 'succeeded',
  startedAt: '2026-12-02T08:00:00.000Z',
  endedAt: '2026-12-02T08:00:09.000Z',
  stationId: 'bench-7',
};

let printer: ZplListener;
beforeEach(async () => {
  printer = await startZplListener();
});
afterEach(async () => {
  await printer.close();
});

describe('ZPL label to a raw-TCP printer', () => {
  it('the printer receives one 62 x 29 mm label with the QR code of the UID and the label facts', async () => {
    const zpl = buildZpl(record);
    const bytes = await sendRaw(parsePrinterAddress(printer.address), zpl);
    const [job] = await printer.waitForJobs(1);
    expect(bytes).toBe(Buffer.byteLength(zpl));
    expect(job).toBe(zpl);
    // One label: starts with ^XA, ends with ^XZ, no second ^XA.
    expect(job!.trim().startsWith('^XA')).toBe(true);
    expect(job!.trim().endsWith('^XZ')).toBe(true);
    expect(job!.match(/\^XA/g)).toHaveLength(1);
    // 62 x 29 mm at 8 dots/mm (203 dpi), UTF-8 field data.
    expect(job).toContain('^PW496');
    expect(job).toContain('^LL232');
    expect(job).toContain('^CI28');
    // QR code (model 2) whose data is the hardware UID, error correction M.
    expect(job).toMatch(/\^BQN,2,\d+\^FH\^FDMA,SIM-0042\^FS/);
    for (const fact of [
      '^FDSIM-0042^FS',
      'Asset 02i000000000042AAA',
      'Cert 0a1b2c3d4e5f6071',
      'AS-SIM-1',
      '2026-12-02 · bench-7',
    ])
      expect(job).toContain(fact);
  });

  it('field data cannot inject ZPL commands: ^ ~ and _ arrive hex-escaped', async () => {
    const evil = { ...record, deviceUid: 'X^XZ^XA^FDpwn~JR_' };
    await sendRaw(parsePrinterAddress(printer.address), buildZpl(evil));
    const [job] = await printer.waitForJobs(1);
    expect(job!.match(/\^XA/g)).toHaveLength(1);
    expect(job!.match(/\^XZ/g)).toHaveLength(1);
    expect(job).not.toContain('~JR');
    expect(job).toContain('X_5EXZ_5EXA_5EFDpwn_7EJR_5F');
    expect(zplField('a^b~c_d\n')).toBe('a_5Eb_7Ec_5Fd_0A');
  });

  it('only a succeeded provisioning job has a label', () => {
    expect(() => buildZpl({ ...record, outcome: 'failed' })).toThrow(
      expect.objectContaining({ code: 'CONFLICT', message: expect.stringContaining('SIM-0042') }),
    );
  });

  it('a printer that refuses the connection: what happened and what to do, no OS error names', async () => {
    const port = printer.port;
    await printer.close();
    const err = await sendRaw({ host: '127.0.0.1', port }, buildZpl(record)).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'PRINTER_UNAVAILABLE',
      message: `The label printer at 127.0.0.1:${port} refused the connection.`,
    });
    expect((err as Error & { remedy: string }).remedy).toMatch(/printer address in the station settings/);
    expect(JSON.stringify(err)).not.toMatch(/ECONN|errno/i);
    printer = await startZplListener(); // for afterEach
  });

  it('a printer that never takes the job fails after the timeout, rounded to seconds', async () => {
    // A listener that accepts and never reads: a large job cannot be handed over.
    const stuck = net.createServer((s) => s.pause());
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    const port = (stuck.address() as net.AddressInfo).port;
    try {
      const err = await sendRaw({ host: '127.0.0.1', port }, new Uint8Array(64 * 1024 * 1024), 1_500).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({
        code: 'PRINTER_UNAVAILABLE',
        message: `The label printer at 127.0.0.1:${port} did not take the label within 2 s.`,
      });
    } finally {
      stuck.close();
    }
  });

  it('printer addresses: host, host:port, [v6]:port; port 9100 by default; bad ones are refused clearly', () => {
    expect(parsePrinterAddress('192.168.1.50')).toEqual({ host: '192.168.1.50', port: 9100 });
    expect(parsePrinterAddress(' printer.local:9101 ')).toEqual({ host: 'printer.local', port: 9101 });
    expect(parsePrinterAddress('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    for (const bad of ['', 'host:0', 'host:70000', 'a b'])
      expect(() => parsePrinterAddress(bad)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
