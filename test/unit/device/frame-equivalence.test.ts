/**
 * The frame layer's whole-buffer decoder, line parser and base64 decoder (issue 18) against the
 * byte-by-byte originals kept in frame-reference.ts: on arbitrary bytes, frames mixed with noise, CR/LF
 * variants, corrupted and oversize lines, split anywhere, both give exactly the same events (frames,
 * noise, errors with their reasons, byte counts and details), so the codec's limits and errors are
 * unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as p from '../../../shared/protocol';
import { RefFrameDecoder, refBase64Decode, refParseFrameLine } from './frame-reference';

const RUNS = 10_000;
const bytesOf = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

/** Events in a comparable form (payloads as hex). */
function plain(evs: p.DecodeEvent[]): unknown[] {
  return evs.map((e) =>
    e.kind === 'frame'
      ? { ...e, frame: { ...e.frame, payload: Buffer.from(e.frame.payload).toString('hex') } }
      : e.kind === 'noise'
        ? { kind: 'noise', bytes: Buffer.from(e.bytes).toString('hex') }
        : e,
  );
}

/** A piece of wire: a frame (maybe corrupted, maybe with another line end), noise, or line ends. */
const pieceArb = fc.oneof(
  fc
    .record({
      id: fc.integer({ min: 0, max: 0xffff }),
      type: fc.constantFrom(...p.COMMANDS, ...p.RESPONSES),
      payload: fc.uint8Array({ maxLength: 300 }),
      end: fc.constantFrom('\r\n', '\n', '\r', ''),
      flip: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { freq: 3 }),
    })
    .map(({ end, flip, ...f }) => {
      const b = p.encodeFrame({ ...f, seq: 1, total: 1 });
      const line = b.subarray(0, b.length - 2).slice();
      if (flip) {
        const at = flip[0] % line.length;
        line[at] = line[at]! ^ flip[1];
      }
      return new Uint8Array(Buffer.concat([Buffer.from(line), Buffer.from(end, 'latin1')]));
    }),
  fc.uint8Array({ maxLength: 80 }),
  fc.constantFrom(
    bytesOf('$'),
    bytesOf('$AS'),
    bytesOf('$AS1,'),
    bytesOf('\r'),
    bytesOf('\n'),
    bytesOf('\r\n'),
    bytesOf('I (31) boot: ESP-IDF v5.1\r\n'),
    bytesOf('$AS1,0001,OK,1/1,*00000000\r\n'),
  ),
  fc.integer({ min: 200, max: 1200 }).map((n) => bytesOf('$AS1,' + 'A'.repeat(n) + (n % 2 ? '\n' : '$'))),
);

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of pts) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  out.push(bytes.subarray(prev));
  return out;
}

describe('whole-buffer frame decoder = byte-by-byte reference', () => {
  it('gives the same events for frames, noise, corruption and oversize lines, split anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(pieceArb, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom(256, 512, p.MAX_MAX_FRAME),
        fc.constantFrom(512, 16),
        (pieces, cuts, maxFrame, maxNoise) => {
          const wire = new Uint8Array(Buffer.concat(pieces.map((x) => Buffer.from(x))));
          const fast = new p.FrameDecoder(maxFrame, maxNoise);
          const ref = new RefFrameDecoder(maxFrame, maxNoise);
          const parts = splitAt(wire, cuts);
          const got = parts.flatMap((c) => fast.push(c)).concat(fast.flush());
          const want = parts.flatMap((c) => ref.push(c)).concat(ref.flush());
          expect(plain(got)).toEqual(plain(want));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('gives the same events on arbitrary bytes, including tiny maxFrame values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }),
        fc.integer({ min: 1, max: 300 }),
        (chunks, maxFrame) => {
          const fast = new p.FrameDecoder(maxFrame);
          const ref = new RefFrameDecoder(maxFrame);
          const got = chunks.flatMap((c) => fast.push(c)).concat(fast.flush());
          const want = chunks.flatMap((c) => ref.push(c)).concat(ref.flush());
          expect(plain(got)).toEqual(plain(want));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('parseFrameLine gives the same frame or the same reason and detail on any line', () => {
    const lineArb = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ maxLength: 80 }).map((s) => bytesOf('$AS1,' + s)),
      fc
        .tuple(fc.string({ maxLength: 40 }), fc.constantFrom('*', ''), fc.string({ maxLength: 10 }))
        .map(([a, star, c]) => bytesOf('$AS1,' + a + star + c)),
      // well-formed lines with a good CRC and mangled fields, trailer in either case
      fc.tuple(fc.string({ unit: 'binary-ascii', maxLength: 40 }), fc.boolean()).map(([body, lower]) => {
        const text = bytesOf('$AS1,' + body);
        const crc = p.crc32Hex(text);
        return bytesOf('$AS1,' + body + '*' + (lower ? crc.toLowerCase() : crc));
      }),
    );
    fc.assert(
      fc.property(lineArb, (line) => {
        const got = p.parseFrameLine(line);
        const want = refParseFrameLine(line);
        if (got.ok && want.ok) {
          expect({ ...got.frame, payload: [...got.frame.payload] }).toEqual({
            ...want.frame,
            payload: [...want.frame.payload],
          });
        } else expect(got).toEqual(want);
      }),
      { numRuns: RUNS },
    );
  });

  it('base64Decode accepts and rejects exactly what the reference does', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
    const textArb = fc.oneof(
      fc.string({ maxLength: 16 }),
      fc.array(fc.constantFrom(...alphabet), { maxLength: 16 }).map((a) => a.join('')),
      fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString('base64')),
    );
    fc.assert(
      fc.property(textArb, (text) => {
        const got = p.base64Decode(text);
        const want = refBase64Decode(text);
        expect(got && [...got]).toEqual(want && [...want]);
      }),
      { numRuns: RUNS },
    );
  });
});
