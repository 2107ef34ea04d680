import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import type { ProvisioningRecord } from '../../../shared/domain';
import { LABEL_MM, labelPayload, renderLabel } from '../../../core/records/label';

const record: ProvisioningRecord = {
  jobId: 'job_1',
  kind: 'provision',
  deviceUid: 'SIM-0001',
  model: 'AS-SIM-1',
  assetId: '02iAG2Dz8tPpt8GTek',
  certSerial: '5f4b1d9ccf3377232acebde2b5933950',
  outcome: 'succeeded',
  startedAt: '2026-11-29T15:00:00.000Z',
  endedAt: '2026-11-29T15:00:03.000Z',
  stationId: 'bench-<1>',
};

/** Reads the QR modules back from the SVG path (each dark module is one `M x y h v h z` square). */
function modulesFromSvg(svg: string): { n: number; dark: Set<string> } {
  const n = Number(/data-qr-modules="(\d+)"/.exec(svg)![1]);
  const d = /<path d="([^"]+)"/.exec(svg)![1]!;
  const cell = 23 / n;
  const dark = new Set<string>();
  for (const m of d.matchAll(/M([\d.]+) ([\d.]+)h/g)) {
    dark.add(`${Math.round((Number(m[1]) - 3) / cell)},${Math.round((Number(m[2]) - 3) / cell)}`);
  }
  return { n, dark };
}

describe('device label', () => {
  it('is a 62 x 29 mm SVG with the UID, Asset ID, model and certificate serial in text, XML-escaped', async () => {
    const svg = await renderLabel(record);
    expect(svg).toMatch(new RegExp(`^<svg [^>]*width="${LABEL_MM.width}mm" height="${LABEL_MM.height}mm"`));
    for (const t of [
      'SIM-0001',
      'AS-SIM-1',
      'Asset 02iAG2Dz8tPpt8GTek',
      'Cert 5f4b1d9ccf337723',
      'bench-&lt;1&gt;',
    ])
      expect(svg).toContain(t);
    expect(svg).not.toContain('bench-<1>');
  });

  it('draws exactly the QR code of the UID (module for module)', async () => {
    const svg = await renderLabel(record);
    const { n, dark } = modulesFromSvg(svg);
    const qr = QRCode.create(labelPayload(record), { errorCorrectionLevel: 'M' });
    expect(n).toBe(qr.modules.size);
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++)
        expect(dark.has(`${x},${y}`), `${x},${y}`).toBe(Boolean(qr.modules.get(x, y)));
    expect(labelPayload(record)).toBe('SIM-0001');
  });

  it('refuses a job that did not provision a device, saying what to do', async () => {
    await expect(renderLabel({ ...record, outcome: 'failed' })).rejects.toMatchObject({
      code: 'CONFLICT',
      remedy: expect.stringContaining('finish'),
    });
    await expect(renderLabel({ ...record, kind: 'verify' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
