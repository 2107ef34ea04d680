/**
 * Device side of protocol v1 (docs/device-protocol.md §5): frame decoding, request reassembly with
 * per-chunk ACK, command dispatch, PROG keep-alives during slow commands, and the last-response cache
 * that makes a retransmitted request idempotent (the device replays the response instead of running
 * the command twice). Transport-agnostic: bytes in via {@link DeviceEngine.receive}, out via `send`.
 */
import {
  DEVICE_ERRORS,
  FrameDecoder,
  KEEPALIVE_INTERVAL_MS,
  Reassembly,
  encodeError,
  encodeFrame,
  encodeProgress,
  isCommand,
  splitMessage,
  type CommandName,
  type DeviceErrorName,
  type Frame,
} from '../../shared/protocol';

/** What a command handler returns: a response body, or a device error. */
export type HandlerResult = { ok: Uint8Array } | { err: DeviceErrorName; text: string };

/** Context a handler can use while it runs. */
export interface HandlerContext {
  /** Reports progress 0..100 (the engine also sends keep-alives on its own). */
  progress(percent: number): void;
}

/** Executes one reassembled request. */
export type CommandHandler = (
  cmd: CommandName,
  body: Uint8Array,
  ctx: HandlerContext,
) => Promise<HandlerResult>;

/** Hooks that let the simulator inject faults at protocol level. */
export interface EngineHooks {
  /**
   * Called with a complete request before it runs; return 'drop' to never answer it, 'reset' to abort,
   * 'stray' to answer with an OK frame carrying another id (and not run it).
   */
  beforeRun?(cmd: CommandName): 'run' | 'drop' | 'reset' | 'stray';
  /** Extra delay before responding (ms). */
  delayMs?(): number;
  /** A log line to print before each response (log noise), or undefined. */
  logLine?(): string | undefined;
}

/** Largest request body the device stores (bytes). */
export const MAX_REQUEST_BYTES = 32 * 1024;

export class DeviceEngine {
  private readonly decoder: FrameDecoder;
  private asm: Reassembly | undefined;
  private busyId: number | undefined;
  private last: { id: number; type: string; frames: Uint8Array[] } | undefined;
  private alive = true;
  /** Counters for tests and the bench. */
  readonly stats = { framesIn: 0, badFrames: 0, requests: 0 };

  constructor(
    private readonly maxFrame: number,
    private readonly send: (bytes: Uint8Array) => void,
    private readonly handler: CommandHandler,
    private readonly hooks: EngineHooks = {},
  ) {
    this.decoder = new FrameDecoder(maxFrame);
  }

  /** Forgets everything volatile (a reboot). */
  reset(): void {
    this.alive = false;
  }

  /** Bytes from the line. */
  receive(bytes: Uint8Array): void {
    for (const ev of this.decoder.push(bytes)) {
      if (ev.kind === 'frame') {
        this.stats.framesIn++;
        this.onFrame(ev.frame);
      } else if (ev.kind === 'error') this.stats.badFrames++;
    }
  }

  private emit(frames: Frame[]): Uint8Array[] {
    const out = frames.map((f) => encodeFrame(f));
    for (const b of out) this.send(b);
    return out;
  }

  private respond(id: number, type: 'OK' | 'ERR', body: Uint8Array): void {
    const log = this.hooks.logLine?.();
    if (log) this.send(Uint8Array.from(Buffer.from(log + '\r\n')));
    const frames = splitMessage(id, type, body, this.maxFrame) ?? [];
    const sent = this.emit(frames);
    this.last = { id, type: '', frames: sent };
  }

  private error(id: number, name: DeviceErrorName, text: string): void {
    this.respond(id, 'ERR', encodeError(DEVICE_ERRORS[name], text));
  }

  private onFrame(f: Frame): void {
    if (!this.alive) return;
    // A retransmitted final chunk of the request we just answered: replay the stored response.
    if (
      this.last &&
      f.id === this.last.id &&
      this.asm === undefined &&
      this.busyId === undefined &&
      f.seq === f.total
    ) {
      for (const b of this.last.frames) this.send(b);
      return;
    }
    if (this.busyId !== undefined) {
      if (f.id === this.busyId) return; // duplicate of the running request: keep-alives continue
      this.error(f.id, 'BUSY', 'another command is running');
      return;
    }
    if (!isCommand(f.type)) {
      if (f.seq === f.total) this.error(f.id, 'UNKNOWN_COMMAND', `unknown command ${f.type}`);
      return;
    }
    if (!this.asm || this.asm.id !== f.id || this.asm.type !== f.type) {
      if (f.seq !== 1) {
        this.error(f.id, 'SEQUENCE', `chunk ${f.seq}/${f.total} without chunk 1`);
        return;
      }
      if (f.total * this.maxFrame > MAX_REQUEST_BYTES * 2) {
        this.error(f.id, 'TOO_LARGE', `request of ${f.total} chunks exceeds ${MAX_REQUEST_BYTES} bytes`);
        return;
      }
      this.asm = new Reassembly(f.id, f.type, f.total, MAX_REQUEST_BYTES);
    }
    const r = this.asm.accept(f);
    if (r.status === 'duplicate') {
      this.emit([{ id: f.id, type: 'ACK', seq: f.seq, total: f.total, payload: new Uint8Array(0) }]);
      return;
    }
    if (r.status === 'error') {
      this.asm = undefined;
      this.error(f.id, r.detail.includes('longer') ? 'TOO_LARGE' : 'SEQUENCE', r.detail);
      return;
    }
    if (r.status === 'more') {
      this.emit([{ id: f.id, type: 'ACK', seq: f.seq, total: f.total, payload: new Uint8Array(0) }]);
      return;
    }
    this.asm = undefined;
    void this.run(f.id, f.type as CommandName, r.body);
  }

  private async run(id: number, cmd: CommandName, body: Uint8Array): Promise<void> {
    const decision = this.hooks.beforeRun?.(cmd) ?? 'run';
    if (decision === 'stray')
      this.emit([{ id: id ^ 0x8000, type: 'OK', seq: 1, total: 1, payload: new Uint8Array(0) }]);
    if (decision !== 'run') return;
    this.stats.requests++;
    this.busyId = id;
    let percent = 0;
    const prog = (p: number) => {
      percent = p;
      if (this.alive) this.emit([{ id, type: 'PROG', seq: 1, total: 1, payload: encodeProgress(p) }]);
    };
    const keepAlive = setInterval(() => prog(percent), Math.floor(KEEPALIVE_INTERVAL_MS / 2));
    let result: HandlerResult;
    try {
      result = await this.handler(cmd, body, { progress: prog });
      const delay = this.hooks.delayMs?.() ?? 0;
      if (delay > 0) {
        clearInterval(keepAlive);
        await new Promise((r) => setTimeout(r, delay));
      }
    } catch (e) {
      result = { err: 'INTERNAL', text: (e as Error).message };
    } finally {
      clearInterval(keepAlive);
    }
    this.busyId = undefined;
    if (!this.alive) return;
    if ('ok' in result) this.respond(id, 'OK', result.ok);
    else this.error(id, result.err, result.text);
  }
}
