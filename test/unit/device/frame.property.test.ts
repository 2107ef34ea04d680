/**
 * Property tests of the frame layer (fast-check, 10 000+ runs each): the decoder never throws and
 * stays bounded on arbitrary bytes; frames survive arbitrary noise and arbitrary splits; corrupted
 * frames are never delivered as different frames; base64/UTF-8/TLV/chunking round-trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as p from '../../../shared/protocol';

const RUNS = 10_000;

const frameArb = fc.record({
  id: fc.integer({ min: 0, max: 0xffff }),
  type: fc.constantFrom(...p.COMMANDS, ...p.RESPONSES),
  payload: fc.uint8Array({ maxLength: 120 }),
});
const toFrame = (f: { id: number; type: string; payload: Uint8Array }): p.Frame => ({
  ...f,
  seq: 1,
  total: 1,
});
/** Noise that contains no LF-free marker completion: random bytes, often with `$`, `$AS1` and CR/LF. */
const noiseArb = fc.array(
  fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(
      Uint8Array.from(Buffer.from('$')),
      Uint8Array.from(Buffer.from('$AS1')),
      Uint8Array.from(Buffer.from('\r\nI (12) log $x\r\n')),
    ),
  ),
  { maxLength: 4 },
);
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts.map((x) => Buffer.from(x))));

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

const sameFrame = (a: p.Frame, b: p.Frame) =>
  a.id === b.id &&
  a.type === b.type &&
  a.seq === b.seq &&
  a.total === b.total &&
  Buffer.compare(Buffer.from(a.payload), Buffer.from(b.payload)) === 0;

describe('frame decoder properties', () => {
  it('never throws and never buffers more than maxFrame on arbitrary input', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 5 }), (chunks) => {
        const d = new p.FrameDecoder(256);
        for (const c of chunks) {
          for (const ev of d.push(c)) {
            if (ev.kind === 'frame') expect(ev.bytes).toBeLessThanOrEqual(256);
            if (ev.kind === 'noise') expect(ev.bytes.length).toBeLessThanOrEqual(512);
          }
        }
        d.flush();
      }),
      { numRuns: RUNS },
    );
  });

  it('delivers every frame exactly once through noise (ending in LF) and arbitrary splits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(noiseArb, frameArb), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (items, cuts) => {
          const frames = items.map(([, f]) => toFrame(f));
          // Noise before a frame is terminated by LF, as a log line would be; a `$` in noise then
          // only costs the noise.
          const wire = concat(
            items.flatMap(([noise, f]) => [...noise, Uint8Array.of(0x0a), p.encodeFrame(toFrame(f))]),
          );
          const d = new p.FrameDecoder();
          const got = splitAt(wire, cuts)
            .flatMap((c) => d.push(c))
            .filter((e) => e.kind === 'frame');
          expect(got.length).toBe(frames.length);
          got.forEach((e, i) => expect(e.kind === 'frame' && sameFrame(e.frame, frames[i]!)).toBe(true));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a corrupted frame is reported as an error or dropped, never delivered as another frame', () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (f, pos, xor) => {
        const bytes = p.encodeFrame(toFrame(f));
        const at = pos % (bytes.length - 2); // keep CR LF so the line ends
        const bad = bytes.slice();
        bad[at] = bad[at]! ^ xor;
        const next = p.encodeFrame({ id: 1, type: 'HELLO', seq: 1, total: 1, payload: new Uint8Array(0) });
        const evs = new p.FrameDecoder().push(concat([bad, next]));
        const frames = evs.filter((e) => e.kind === 'frame');
        // the following good frame always survives (resynchronisation)
        expect(frames.length).toBeGreaterThanOrEqual(1);
        const last = frames[frames.length - 1]!;
        expect(last.kind === 'frame' && last.frame.type === 'HELLO' && last.frame.id === 1).toBe(true);
        // anything else delivered must be the original frame (CRC-32 catches the change)
        // (only a case change of a CRC hex digit, which the spec allows, keeps the frame valid)
        for (const e of frames.slice(0, -1))
          expect(e.kind === 'frame' && sameFrame(e.frame, toFrame(f))).toBe(true);
        expect(frames.length).toBeLessThanOrEqual(2);
      }),
      { numRuns: RUNS },
    );
  });

  it('parseFrameLine never throws on arbitrary lines', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.string({ maxLength: 80 }).map((s) => new Uint8Array(Buffer.from('$AS1,' + s))),
        ),
        (line) => {
          const r = p.parseFrameLine(line);
          expect(typeof r.ok).toBe('boolean');
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('codec properties', () => {
  it('base64 matches Node and round-trips; strict decoding rejects junk', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 12 }), (b, junk) => {
        const t = p.base64Encode(b);
        expect(t).toBe(Buffer.from(b).toString('base64'));
        expect(Buffer.from(p.base64Decode(t)!).equals(Buffer.from(b))).toBe(true);
        const d = p.base64Decode(junk);
        if (d) expect(p.base64Encode(d)).toBe(junk);
      }),
      { numRuns: RUNS },
    );
  });

  it('UTF-8 matches Node for any string and rejects invalid bytes like TextDecoder fatal', () => {
    const td = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.uint8Array({ maxLength: 12 }),
        (s, raw) => {
          expect(Buffer.from(p.utf8Encode(s)).equals(Buffer.from(s, 'utf8'))).toBe(true);
          expect(p.utf8Decode(p.utf8Encode(s))).toBe(s);
          let ref: string | undefined;
          try {
            ref = td.decode(raw);
          } catch {
            ref = undefined;
          }
          expect(p.utf8Decode(raw)).toBe(ref);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('chunking: every frame fits maxFrame and the chunks reassemble to the body', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 5000 }),
        fc.integer({ min: 256, max: 2048 }),
        fc.constantFrom(...p.COMMANDS, 'OK', 'ERR'),
        (body, maxFrame, type) => {
          const frames = p.splitMessage(7, type, body, maxFrame)!;
          const r = new p.Reassembly(7, type, frames.length);
          let out: p.ReassemblyResult = { status: 'more' };
          for (const f of frames) {
            expect(p.encodeFrame(f).length).toBeLessThanOrEqual(maxFrame);
            out = r.accept(f);
          }
          expect(out.status).toBe('done');
          if (out.status === 'done') expect(Buffer.from(out.body).equals(Buffer.from(body))).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('TLV decoding never throws and round-trips encoded fields', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ tag: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 50 }) }),
          { maxLength: 6 },
        ),
        fc.uint8Array({ maxLength: 40 }),
        (fields, junk) => {
          const back = p.decodeTlv(p.encodeTlv(fields))!;
          expect(back.map((f) => [f.tag, Buffer.from(f.value).toString('hex')])).toEqual(
            fields.map((f) => [f.tag, Buffer.from(f.value).toString('hex')]),
          );
          p.decodeTlv(junk);
          p.decodeHelloResponse(junk);
          p.decodeAsset(junk);
          p.decodeChain(junk);
          p.decodeKeygenResponse(junk);
          p.decodeCsrRequest(junk);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('device-side engine (simulator) properties', () => {
  it('never throws on arbitrary frames and bytes, and only ever emits valid frames', async () => {
    const { DeviceEngine } = await import('../../../sim/device/engine');
    const frameArb2 = fc.record({
      id: fc.integer({ min: 0, max: 0xffff }),
      type: fc.constantFrom(...p.COMMANDS, 'ACK', 'OK', 'BOGUS'),
      seq: fc.integer({ min: 1, max: 4 }),
      total: fc.integer({ min: 1, max: 4 }),
      payload: fc.uint8Array({ maxLength: 60 }),
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            frameArb2.map((f) => ({ ...f, seq: Math.min(f.seq, f.total) })),
            fc.uint8Array({ maxLength: 50 }),
          ),
          { maxLength: 8 },
        ),
        (items) => {
          const out: Uint8Array[] = [];
          const e = new DeviceEngine(
            256,
            (b) => out.push(b),
            async () => ({ ok: new Uint8Array(0) }),
          );
          for (const it of items) e.receive(it instanceof Uint8Array ? it : p.encodeFrame(it as p.Frame));
          const dec = new p.FrameDecoder(256);
          for (const b of out) for (const ev of dec.push(b)) expect(ev.kind).toBe('frame');
          e.reset();
        },
      ),
      { numRuns: RUNS },
    );
  });
});
