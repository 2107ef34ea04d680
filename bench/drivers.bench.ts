/**
 * Driver benchmark (run: `npx tsx bench/drivers.bench.ts`): per-device wall time and serial bytes of the
 * device side of one provisioning, a protocol v1 device against an nRF91 modem, both simulated on real
 * PTYs and opened through the driver registry (probe included). Per family, what its capabilities allow:
 *  - protocol v1: identify, KEYGEN, CSR, SIGN challenge, PUT_CERT + GET_CERT, SET_ASSET + GET_ASSET;
 *  - nRF91: identify (+CGSN/+CGMM/+CGMR/%ATTESTTOKEN/%CMNG list), %KEYGEN (CSR + attestation) with
 *    CFUN=4 and back, CA + client certificate by %CMNG, %CMNG list read-back (no SIGN, no Asset write).
 * Same ~300 ms simulated key generation for both. Figures only, no assertions. The modem simulator does
 * not throttle to a baud rate, so its "at 115200" time adds the wire time of its bytes (10 bits/byte).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTransport } from '../core/device/index';
import { openDriver } from '../core/device/drivers';
import { testChain } from '../core/device/conformance/test-chain';
import { startDeviceSimulator } from '../sim/device/index';
import { startModemSimulator } from '../sim/nrf91/index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-drvbench-'));
const N = Number(process.env.BENCH_N ?? 5);
const KEYGEN_MS = 300;
const SUBJECT = { CN: 'bench', O: 'Acme' };

async function oneDevice(locator: string): Promise<{ ms: number; out: number; in: number; family: string }> {
  const t0 = performance.now();
  const d = await openDriver(locator, () => openTransport(locator, { baudRate: 115200 }));
  try {
    const id = await d.identify();
    const k = await d.generateKey({
      algorithm: 'ECDSA-P256',
      replace: true,
      subject: { ...SUBJECT, CN: id.uid },
      sans: [],
    });
    if (!d.capabilities.csrAtKeygen)
      await d.requestCsr({ ...SUBJECT, CN: id.uid }, [`urn:dev:uid:${id.uid}`]);
    if (d.capabilities.proofOfPossession.kind === 'sign-challenge')
      await d.sign(crypto.randomBytes(32), 'ES256');
    const chain = await testChain(k.publicKeySpki, 'ECDSA-P256');
    await d.installCertificate(chain);
    if ((await d.installedChainDigests()).join() !== d.chainDigests(chain).join())
      throw new Error('read-back mismatch');
    if (d.capabilities.assetBinding.kind === 'device') {
      await d.writeAssetBinding({ assetId: '02i000000000001AAA', orgId: '00D000000000001EAA' });
      await d.readAssetBinding();
    }
    // Bytes are counted on the driver's line (the probes of other families on their own lines are not).
    return { ms: performance.now() - t0, out: d.stats.bytesOut, in: d.stats.bytesIn, family: d.family };
  } finally {
    await d.close();
  }
}

function report(
  name: string,
  rows: Array<{ ms: number; out: number; in: number }>,
  throttled: boolean,
): void {
  const ms = rows.map((r) => r.ms).sort((a, b) => a - b);
  const med = ms[Math.floor(ms.length / 2)]!;
  const bytes = rows[0]!.out + rows[0]!.in;
  const wire = (bytes * 10 * 1000) / 115200;
  console.log(
    `${name.padEnd(34)} wall median ${med.toFixed(0)} ms (min ${ms[0]!.toFixed(0)}, n=${ms.length})` +
      `${throttled ? '' : `, at 115200 ≈ ${(med + wire).toFixed(0)} ms`}; serial ${bytes} B (out ${rows[0]!.out}, in ${rows[0]!.in}), wire time at 115200 ${wire.toFixed(0)} ms`,
  );
}

try {
  const v1 = await startDeviceSimulator({
    home: path.join(tmp, 'v1'),
    count: 1,
    keygenDelayMs: KEYGEN_MS,
    keyAlgorithms: ['ECDSA-P256'],
    baudRate: 115200,
    transport: 'pty',
  });
  const modem = await startModemSimulator({
    home: path.join(tmp, 'nrf91'),
    count: 1,
    keygenDelayMs: KEYGEN_MS,
    transport: 'pty',
  });
  try {
    const a: Awaited<ReturnType<typeof oneDevice>>[] = [];
    const b: Awaited<ReturnType<typeof oneDevice>>[] = [];
    for (let i = 0; i < N; i++) {
      a.push(await oneDevice(v1.devices[0]!.locator));
      b.push(await oneDevice(modem.modems[0]!.locator));
    }
    console.log(
      `== device side of one provisioning, P-256, ${KEYGEN_MS} ms simulated key generation, PTY ==`,
    );
    report(`protocol v1 (${a[0]!.family}, 115200 throttled)`, a, true);
    report(`nRF91 AT (${b[0]!.family})`, b, false);
  } finally {
    await v1.stop();
    await modem.stop();
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
