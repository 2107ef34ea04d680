/**
 * Station side of protocol v1 (docs/device-protocol.md §5): one request at a time, each with a fresh
 * id; chunked requests wait for an ACK per chunk; responses are reassembled; PROG frames report
 * progress and restart the idle timer; when the device goes quiet for the idle time, the last chunk
 * is retransmitted (the device replays its stored response instead of running the command twice),
 * up to MAX_RETRIES; the overall per-command deadline then gives DEVICE_TIMEOUT.
 *
 * Every failure is a StationError; garbage, oversize and CRC-failed frames are counted and skipped.
 * One request at a time, refusal on a closed or unplugged line, the noise log and close() are the rules
 * of every device line (./device-line.ts).
 */
import { StationError } from '../../shared/errors';
import {
  ACK_RETRY_MS,
  DEFAULT_TIMEOUT_MS,
  FrameDecoder,
  IDLE_RETRY_MS,
  MAX_MAX_FRAME,
  MAX_RETRIES,
  MIN_MAX_FRAME,
  RESPONSES,
  Reassembly,
  asciiPreview,
  decodeError,
  decodeProgress,
  encodeFrame,
  splitMessage,
  type CommandName,
  type Frame,
} from '../../shared/protocol';
import { bootSign, bootloaderError, resetError } from './boot-signs';
import { protocolError } from './errors';
import { DeviceLine } from './device-line';
import type { Transport } from './transport';
import { commandDeadlineMs } from './types';

/** A completed exchange: OK with its body, or the device's ERR. */
export type LinkResponse = { type: 'OK'; body: Uint8Array } | { type: 'ERR'; code: number; text: string };

/** Options of one request. */
export interface RequestOptions {
  /** Overall deadline, ms (default: the command's DEFAULT_TIMEOUT_MS, else 10 s). */
  timeoutMs?: number;
  /** Progress 0..1 from PROG frames. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** Fixed request id (conformance tests of retransmission); default: the next id. */
  id?: number;
}

/** Link counters (bytes on the wire, frames, rejected frames, retransmissions). */
export interface LinkStats {
  bytesOut: number;
  bytesIn: number;
  framesIn: number;
  framesOut: number;
  crcErrors: number;
  malformed: number;
  oversize: number;
  retransmits: number;
  noiseBytes: number;
}

interface Pending {
  id: number;
  type: string;
  onFrame(f: Frame): void;
  fail(e: StationError): void;
}

export class DeviceLink extends DeviceLine {
  /** Largest frame the device accepts (bytes); MIN_MAX_FRAME until HELLO says more. */
  maxFrame = MIN_MAX_FRAME;
  readonly stats: LinkStats = {
    bytesOut: 0,
    bytesIn: 0,
    framesIn: 0,
    framesOut: 0,
    crcErrors: 0,
    malformed: 0,
    oversize: 0,
    retransmits: 0,
    noiseBytes: 0,
  };
  private readonly decoder = new FrameDecoder(MAX_MAX_FRAME);
  private nextId: number;
  private readonly issued = new Set<number>();
  private pending: Pending | undefined;
  private readonly taps = new Set<(f: Frame, atMs: number) => void>();
  /**
   * Per-command ceiling, ms, overriding DEFAULT_TIMEOUT_MS (the driver's figure; set from
   * OpenOptions.commandCeilingsMs). PROG keep-alives never extend a command past its ceiling.
   */
  ceilingsMs: Partial<Record<string, number>> = {};

  constructor(
    transport: Transport,
    private readonly baudRate = 115200,
    onLog?: (line: string) => void,
  ) {
    super(transport, onLog);
    this.nextId = 1 + Math.floor(Math.random() * 0xfff0);
  }

  protected failPending(e: StationError): void {
    this.pending?.fail(e);
  }

  /** Ms the line needs for `bytes` at the baud rate (8N1). */
  private wireMs(bytes: number): number {
    return Math.ceil((bytes * 10 * 1000) / this.baudRate);
  }

  protected onBytes(b: Uint8Array): void {
    this.stats.bytesIn += b.length;
    for (const ev of this.decoder.push(b)) {
      if (ev.kind === 'noise') {
        this.stats.noiseBytes += ev.bytes.length;
        // Line ends are not part of the log line (they would show as dots).
        const line = asciiPreview(ev.bytes.filter((x) => x !== 0x0d && x !== 0x0a)).trim();
        if (line) {
          this.log(line);
          this.onBootSign(line);
        }
      } else if (ev.kind === 'error') {
        if (ev.reason === 'crc') this.stats.crcErrors++;
        else if (ev.reason === 'oversize') this.stats.oversize++;
        else this.stats.malformed++;
      } else {
        this.stats.framesIn++;
        this.bootloader = undefined;
        this.onFrame(ev.frame);
      }
    }
  }

  /**
   * A reset banner fails the running request at once (DEVICE_RESET: its outcome is unknown) when the
   * device had already answered on this link — a banner buffered from before the port was opened is
   * only logged. A bootloader banner fails the running and every later request (DEVICE_BOOTLOADER)
   * until a valid frame arrives.
   */
  private onBootSign(line: string): void {
    const sign = bootSign(line);
    if (sign === 'bootloader') {
      this.bootloader = line;
      this.pending?.fail(bootloaderError(this.locator, line));
    } else if (sign === 'reset' && this.pending && this.stats.framesIn > 0) {
      this.pending.fail(resetError(this.locator, this.pending.type, line));
    }
  }

  /** Observes every valid frame from the device (conformance checks). Returns an unsubscribe function. */
  tap(cb: (f: Frame, atMs: number) => void): () => void {
    this.taps.add(cb);
    return () => this.taps.delete(cb);
  }

  private onFrame(f: Frame): void {
    for (const t of this.taps) t(f, Date.now());
    const p = this.pending;
    if (!(RESPONSES as readonly string[]).includes(f.type)) {
      p?.fail(protocolError(this.locator, `unknown response type ${f.type}`, { type: f.type }));
      return;
    }
    if (p && f.id === p.id) {
      p.onFrame(f);
      return;
    }
    if (this.issued.has(f.id)) return; // a late duplicate of an earlier exchange
    if (p && (f.type === 'OK' || f.type === 'ERR'))
      p.fail(
        protocolError(
          this.locator,
          `a response with id ${f.id.toString(16)} that no request carried (expected ${p.id.toString(16)})`,
          { id: f.id },
        ),
      );
  }

  /** Writes raw bytes (conformance tests send garbage through this). */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    if (this.gone) throw this.gone;
    this.stats.bytesOut += bytes.length;
    await this.transport.write(bytes);
  }

  private async sendFrame(f: Frame): Promise<void> {
    this.stats.framesOut++;
    await this.sendRaw(encodeFrame(f));
  }

  /** Sends a request and waits for its response (requests are serialised). */
  request(cmd: CommandName | string, body: Uint8Array, opts: RequestOptions = {}): Promise<LinkResponse> {
    return this.serialised(() => this.exchange(cmd, body, opts));
  }

  private allocId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff ? 1 : this.nextId + 1;
    return id;
  }

  private async exchange(cmd: string, body: Uint8Array, opts: RequestOptions): Promise<LinkResponse> {
    this.refuseIfDown();
    const id = opts.id ?? this.allocId();
    this.issued.add(id);
    const frames = splitMessage(id, cmd, body, this.maxFrame);
    if (!frames)
      throw new StationError(
        'DEVICE_PROTOCOL',
        `${cmd} of ${body.length} bytes does not fit in 999 frames of ${this.maxFrame} bytes.`,
        'Send less data (e.g. a shorter certificate chain).',
      );
    const deadlineMs = commandDeadlineMs(
      opts.timeoutMs,
      this.ceilingsMs[cmd],
      DEFAULT_TIMEOUT_MS[cmd as CommandName] ?? 10_000,
    );
    const idleMs = IDLE_RETRY_MS + this.wireMs(2 * this.maxFrame);
    const started = Date.now();

    return new Promise<LinkResponse>((resolve, reject) => {
      let chunk = 0; // index of the chunk awaiting its ACK (frames.length-1: awaiting the response)
      let retries = 0;
      let asm: Reassembly | undefined;
      let idleTimer: NodeJS.Timeout | undefined;
      let done = false;
      let lastProgAt = 0; // when the last PROG keep-alive arrived (0: none)
      const crcAtStart = this.stats.crcErrors + this.stats.malformed;

      const finish = (err: StationError | undefined, res?: LinkResponse) => {
        if (done) return;
        done = true;
        clearTimeout(idleTimer);
        clearTimeout(deadline);
        opts.signal?.removeEventListener('abort', onAbort);
        if (this.pending === pending) this.pending = undefined;
        if (err) reject(err);
        else resolve(res!);
      };
      const timeoutError = () => {
        // Still sending "still working" at the ceiling: a device stuck in a loop (issue 11). Not a
        // device that went away: recovery does not retry it (core/jobs/recovery.ts).
        if (lastProgAt > 0 && Date.now() - lastProgAt <= idleMs)
          return new StationError(
            'DEVICE_TIMEOUT',
            `The device at ${this.locator} kept sending "still working" for ${cmd} but did not finish within ${Math.round(deadlineMs / 1000)} s.`,
            'Power-cycle the device (unplug it, plug it back in), then press Retry.',
            { command: cmd, ceilingS: Math.round(deadlineMs / 1000), keptAlive: true },
          );
        const bad = this.stats.crcErrors + this.stats.malformed - crcAtStart;
        return bad > 0
          ? protocolError(
              this.locator,
              `${cmd} got no valid answer in ${Date.now() - started} ms; ${bad} corrupted frame(s) arrived`,
              {
                command: cmd,
                corruptedFrames: bad,
              },
            )
          : new StationError(
              'DEVICE_TIMEOUT',
              `The device at ${this.locator} did not answer ${cmd} within ${Date.now() - started} ms.`,
              'Check that the device is powered and running its provisioning firmware (not the bootloader), and the cable; then retry.',
              { command: cmd },
            );
      };
      const send = (f: Frame) =>
        this.sendFrame(f).catch((e: unknown) =>
          finish(e instanceof StationError ? e : protocolError(this.locator, String(e))),
        );
      const armIdle = () => {
        clearTimeout(idleTimer);
        const f = frames[chunk]!;
        const frameBytes = f.payload.length * 2 + 64;
        // Awaiting an ACK: the device owes it within ACK_DEADLINE_MS. Awaiting the response: PROG
        // keep-alives come at least every KEEPALIVE_INTERVAL_MS.
        const waitMs =
          chunk < frames.length - 1
            ? ACK_RETRY_MS + this.wireMs(frameBytes)
            : idleMs + this.wireMs(frameBytes);
        idleTimer = setTimeout(() => {
          if (retries >= MAX_RETRIES) return finish(timeoutError());
          retries++;
          this.stats.retransmits++;
          asm = undefined;
          void send(frames[chunk]!);
          armIdle();
        }, waitMs);
      };
      const deadline = setTimeout(() => finish(timeoutError()), deadlineMs);
      const onAbort = () =>
        finish(new StationError('CANCELLED', `${cmd} was cancelled.`, 'Start the job again when ready.'));
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort);

      const pending: Pending = {
        id,
        type: cmd,
        fail: (e) => finish(e),
        onFrame: (f) => {
          if (f.type === 'ACK') {
            if (chunk < frames.length - 1 && f.seq === chunk + 1) {
              chunk++;
              retries = 0;
              void send(frames[chunk]!);
              armIdle();
            }
            return;
          }
          if (f.type === 'PROG') {
            const p = decodeProgress(f.payload);
            if (p !== undefined) opts.onProgress?.(p / 100);
            lastProgAt = Date.now();
            armIdle();
            return;
          }
          // OK or ERR (an ERR may also end a chunked request early).
          if (!asm || asm.type !== f.type || asm.total !== f.total) {
            if (f.seq !== 1) return; // tail of a response whose head we lost: wait for the replay
            asm = new Reassembly(id, f.type, f.total, 1024 * 1024);
          }
          const r = asm.accept(f);
          if (r.status === 'error') {
            asm = undefined;
            return;
          }
          if (r.status !== 'done') {
            armIdle();
            return;
          }
          if (f.type === 'OK') return finish(undefined, { type: 'OK', body: r.body });
          const e = decodeError(r.body);
          if (!e) return finish(protocolError(this.locator, 'an ERR frame without an error code'));
          finish(undefined, { type: 'ERR', code: e.code, text: e.text });
        },
      };
      this.pending = pending;
      void send(frames[0]!);
      armIdle();
    });
  }
}
