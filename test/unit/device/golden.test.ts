/**
 * Golden vectors of docs/device-protocol.md §8: every ```golden block's body must be what the codec
 * produces for the documented message, and its wire lines exactly what the frame encoder produces
 * (and decodes back). Fails when the spec and the code drift apart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as p from '../../../shared/protocol';

const doc = fs.readFileSync(path.join(__dirname, '../../../docs/device-protocol.md'), 'utf8');
const blocks = [...doc.matchAll(/```golden\n([\s\S]*?)```/g)].map((m) => {
  const lines = m[1]!.trim().split('\n');
  const get = (k: string) => lines.filter((l) => l.startsWith(`${k}: `)).map((l) => l.slice(k.length + 2));
  return {
    name: get('name')[0]!,
    id: get('id')[0]!,
    type: get('type')[0]!,
    body: get('body')[0]!,
    wire: get('wire'),
  };
});

/** What each documented message is, built with the codec. */
const MESSAGES: Record<string, Uint8Array> = {
  'hello-request': new Uint8Array(0),
  'hello-response': p.encodeHelloResponse({
    protocolVersion: 1,
    model: 'ESP32-S3',
    uid: 'A4CF12F00D01',
    firmware: '1.2.0',
    maxFrame: 256,
    capabilities: { keyAlgorithms: ['ECDSA-P256', 'RSA-2048'], assetToken: true },
    state: { keyPresent: true, certInstalled: false, assetIdSet: false, locked: false },
  }),
  'keygen-request': p.encodeKeygenRequest({ slot: 0, algorithm: 'ECDSA-P256', replace: false }),
  progress: p.encodeProgress(40),
  'sign-request': p.encodeSignRequest({
    slot: 0,
    algorithm: 'ES256',
    data: new Uint8Array(Buffer.from('challenge-1234')),
  }),
  'set-asset-request': p.encodeAsset({ assetId: '02i5e000000AbCdEAA', orgId: '00D5e000000XyZ1EAK' }),
  'error-locked': p.encodeError(p.DEVICE_ERRORS.LOCKED, 'device is locked'),
  ack: new Uint8Array(0),
  'csr-request': p.encodeCsrRequest({
    slot: 0,
    subject: [
      ['CN', 'A4CF12F00D01'],
      ['O', 'Acme'],
    ],
    sans: [{ type: 'URI', value: 'urn:acme:device:A4CF12F00D01' }],
  }),
  'chunked-sign-request': p.encodeSignRequest({
    slot: 0,
    algorithm: 'RS256',
    data: new Uint8Array(300).map((_, i) => i & 0xff),
  }),
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

describe('golden vectors in docs/device-protocol.md', () => {
  it('documents every vector the test knows', () => {
    expect(blocks.map((b) => b.name).sort()).toEqual(Object.keys(MESSAGES).sort());
  });
  for (const b of blocks) {
    it(`${b.name}: body and wire bytes match the codec`, () => {
      const body = MESSAGES[b.name]!;
      expect(b.body === '-' ? '' : b.body).toBe(hex(body));
      const frames = p.splitMessage(parseInt(b.id, 16), b.type, body, 256)!;
      expect(frames.map((f) => Buffer.from(p.encodeFrame(f)).toString('latin1'))).toEqual(
        b.wire.map((w) => w.replace('\\r\\n', '\r\n')),
      );
      // and the decoder gets the same message back from the documented bytes
      const dec = new p.FrameDecoder(256);
      const got = b.wire.flatMap((w) =>
        dec.push(new Uint8Array(Buffer.from(w.replace('\\r\\n', '\r\n'), 'latin1'))),
      );
      expect(got.every((e) => e.kind === 'frame')).toBe(true);
      const payload = Buffer.concat(
        got.map((e) => (e.kind === 'frame' ? Buffer.from(e.frame.payload) : Buffer.alloc(0))),
      );
      expect(hex(payload)).toBe(hex(body));
    });
  }
  it('CRC-32 check value of "123456789" is CBF43926 (CRC catalogue)', () => {
    expect(p.crc32Hex(new Uint8Array(Buffer.from('123456789')))).toBe('CBF43926');
  });
});
