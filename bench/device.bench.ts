/**
 * Device link benchmark (run: `npx tsx bench/device.bench.ts`). Prints
 *  1. round-trip latency per command over a real PTY (socat) against the device simulator, at PTY
 *     speed (throttling effectively off) and at a simulated 115200 baud UART;
 *  2. bytes on the wire for a full provisioning exchange (HELLO, KEYGEN, CSR, SIGN challenge,
 *     PUT_CERT with a ~2 KB chain, GET_CERT, SET_ASSET with a ~1 KB asset token, GET_ASSET) versus
 *     the message-body bytes, for several device frame sizes.
 * Figures only, no assertions. Key generation delay is set to 0 so KEYGEN shows protocol + real
 * node:crypto time, not the simulated microcontroller delay.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as p from '../shared/protocol';
import { startDeviceSimulator } from '../sim/device/index';
import { openProtocolClient } from '../core/device/index';
import { testChain } from '../core/device/conformance/test-chain';
import type { KeyAlgorithm } from '../shared/domain';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-devbench-'));

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return `median ${q(0.5).toFixed(2)} ms  p95 ${q(0.95).toFixed(2)} ms  (n=${s.length})`;
}

async function latency(baud: number, alg: KeyAlgorithm, n: number): Promise<void> {
  const sim = await startDeviceSimulator({
    home: path.join(tmp, `lat-${baud}-${alg}`),
    count: 1,
    baudRate: baud,
    keygenDelayMs: 0,
    keyAlgorithms: [alg],
    maxFrame: 512,
    transport: 'pty',
  });
  const c = await openProtocolClient(sim.devices[0]!.locator, { baudRate: Math.min(baud, 4_000_000) });
  try {
    await c.hello();
    const k = await c.keygen(0, alg, false);
    const chain = await testChain(k.publicKeySpki, alg);
    const token = 'eyJ' + 'a'.repeat(1021);
    const sig = alg === 'ECDSA-P256' ? 'ES256' : 'RS256';
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['HELLO', () => c.hello()],
      ['KEYGEN (existing key)', () => c.keygen(0, alg, false)],
      [`KEYGEN replace (${alg}, no sim delay)`, () => c.keygen(0, alg, true)],
      ['CSR', () => c.csr(0, { CN: 'bench', O: 'Acme' }, ['urn:bench:1'])],
      [`SIGN ${sig} (32 B)`, () => c.sign(0, crypto.randomBytes(32), sig)],
      [`SIGN ${sig} (1 KB, chunked)`, () => c.sign(0, crypto.randomBytes(1024), sig)],
      [`PUT_CERT (${chain.reduce((a, b) => a + b.length, 0)} B chain)`, () => c.putCert(0, chain)],
      ['GET_CERT', () => c.getCert(0)],
      [
        'SET_ASSET (1 KB token)',
        () => c.setAsset({ assetId: '02i000000000001AAA', orgId: '00D000000000001EAA', assetToken: token }),
      ],
      ['GET_ASSET', () => c.getAsset()],
    ];
    console.log(
      `\n== round trip over a PTY, ${baud >= 10_000_000 ? 'PTY speed (no throttle)' : `${baud} baud simulated`}, ${alg}, maxFrame 512 ==`,
    );
    for (const [name, fn] of cases) {
      const times: number[] = [];
      const reps = name.startsWith('KEYGEN replace') ? Math.min(n, alg === 'ECDSA-P256' ? n : 5) : n;
      for (let i = 0; i < reps; i++) {
        if (name.startsWith('PUT_CERT') && i > 0) {
          // the chain must match the current key (KEYGEN replace changed it)
        }
        const t0 = performance.now();
        await fn();
        times.push(performance.now() - t0);
      }
      if (name.startsWith('KEYGEN replace')) {
        // re-issue the chain for the new key so PUT_CERT keeps matching
        const k2 = await c.keygen(0, alg, false);
        chain.splice(0, chain.length, ...(await testChain(k2.publicKeySpki, alg)));
      }
      console.log(`${name.padEnd(40)} ${stats(times)}`);
    }
  } finally {
    await c.close();
    await sim.stop();
  }
}

async function wire(alg: KeyAlgorithm, maxFrame: number): Promise<void> {
  const sim = await startDeviceSimulator({
    home: path.join(tmp, `wire-${alg}-${maxFrame}`),
    count: 1,
    keygenDelayMs: 0,
    keyAlgorithms: [alg],
    maxFrame,
    transport: 'pty',
    baudRate: 10_000_000,
  });
  const c = await openProtocolClient(sim.devices[0]!.locator);
  const link = c.link;
  let body = 0;
  let data = 0;
  const req = async (cmd: p.CommandName, b: Uint8Array): Promise<Uint8Array> => {
    const r = await link.request(cmd, b);
    if (r.type !== 'OK') throw new Error(`${cmd} failed: ${r.text}`);
    body += b.length + r.body.length;
    return r.body;
  };
  try {
    const hello = p.decodeHelloResponse(await req('HELLO', new Uint8Array(0)))!;
    link.maxFrame = hello.maxFrame;
    const k = p.decodeKeygenResponse(
      await req('KEYGEN', p.encodeKeygenRequest({ slot: 0, algorithm: alg, replace: false })),
    )!;
    data += k.publicKeySpki.length;
    const csr = await req(
      'CSR',
      p.encodeCsrRequest({
        slot: 0,
        subject: [
          ['CN', hello.uid],
          ['O', 'Acme'],
        ],
        sans: [{ type: 'URI', value: `urn:acme:device:${hello.uid}` }],
      }),
    );
    data += csr.length;
    const nonce = crypto.randomBytes(32);
    const sig = await req(
      'SIGN',
      p.encodeSignRequest({ slot: 0, algorithm: alg === 'ECDSA-P256' ? 'ES256' : 'RS256', data: nonce }),
    );
    data += nonce.length + sig.length;
    const chain = await testChain(k.publicKeySpki, alg);
    const chainBytes = chain.reduce((a, b) => a + b.length, 0);
    await req('PUT_CERT', p.encodeChain(0, chain));
    await req('GET_CERT', p.encodeSlot(0));
    data += 2 * chainBytes;
    const asset = {
      assetId: '02i000000000001AAA',
      orgId: '00D000000000001EAA',
      assetToken: 'eyJ' + 'a'.repeat(1021),
    };
    await req('SET_ASSET', p.encodeAsset(asset));
    await req('GET_ASSET', new Uint8Array(0));
    const assetBytes = asset.assetId.length + asset.orgId.length + asset.assetToken.length;
    data += 2 * assetBytes;
    const w = link.stats.bytesIn + link.stats.bytesOut;
    console.log(
      `${alg.padEnd(11)} maxFrame ${String(maxFrame).padStart(4)}: wire ${w} B (out ${link.stats.bytesOut}, in ${link.stats.bytesIn}), ` +
        `TLV bodies ${body} B, raw data ${data} B  →  wire/data ${(w / data).toFixed(2)}, wire/bodies ${(w / body).toFixed(2)}, ` +
        `frames ${link.stats.framesOut} out / ${link.stats.framesIn} in; chain ${chainBytes} B, token ${asset.assetToken.length} B`,
    );
  } finally {
    await c.close();
    await sim.stop();
  }
}

try {
  await latency(100_000_000, 'ECDSA-P256', 30);
  await latency(115_200, 'ECDSA-P256', 10);
  await latency(115_200, 'RSA-2048', 10);
  console.log('\n== bytes on the wire, full provisioning exchange (8 commands) ==');
  for (const alg of ['ECDSA-P256', 'RSA-2048'] as KeyAlgorithm[])
    for (const mf of [256, 512, 2048]) await wire(alg, mf);
  console.log(
    '\n"raw data" = SPKI + CSR + nonce + signature + chain (both ways) + asset binding (both ways); "TLV bodies" adds field headers and the HELLO/slot fields.',
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
