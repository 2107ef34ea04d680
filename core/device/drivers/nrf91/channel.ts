/**
 * One AT command at a time over a byte-stream transport (3GPP TS 27.007 / ITU-T V.250 framing as the
 * nRF91 modem uses it, docs/nrf91.md): the command goes out as `AT…` CR LF; the modem answers with
 * information lines and one final result — `OK`, `ERROR` or `+CME ERROR: <n>`. The modem does not echo
 * (an echo of the command, if a terminal program turned it on, is skipped). Lines that arrive with no
 * command running are unsolicited or noise and go to the log, never into the next answer.
 *
 * A reset banner mid-command fails it at once with DEVICE_RESET; a bootloader banner with
 * DEVICE_BOOTLOADER (./../../boot-signs.ts). One command at a time, refusal on a closed or unplugged
 * line, the noise log and close() are the rules of every device line (../../device-line.ts).
 */
import { StationError } from '../../../../shared/errors';
import { bootSign, bootloaderError, resetError } from '../../boot-signs';
import { DeviceLine } from '../../device-line';
import type { CallOptions } from '../../types';
import { atError, cmeError } from './errors';
import { AtLineSplitter } from './lines';

interface Pending {
  command: string;
  lines: string[];
  resolve(lines: string[]): void;
  reject(e: StationError): void;
}

export class AtChannel extends DeviceLine {
  readonly stats = { bytesOut: 0, bytesIn: 0 };
  private readonly splitter = new AtLineSplitter();
  private pending: Pending | undefined;
  /** Commands answered OK on this line so far. */
  private answered = 0;

  protected failPending(e: StationError): void {
    this.pending?.reject(e);
  }

  protected onBytes(b: Uint8Array): void {
    this.stats.bytesIn += b.length;
    for (const line of this.splitter.push(b)) this.onLine(line);
  }

  private onLine(line: string): void {
    const p = this.pending;
    const sign = bootSign(line);
    if (sign) {
      this.log(line);
      if (sign === 'bootloader') this.bootloader = line;
      if (p && sign === 'bootloader') p.reject(bootloaderError(this.locator, line));
      // A banner buffered from before the port was opened is only logged (see DeviceLink).
      else if (p && this.answered > 0) p.reject(resetError(this.locator, p.command, line));
      return;
    }
    if (!p) return this.log(line);
    if (line === p.command) return; // echo (ATE1)
    if (line === 'OK') {
      this.answered++;
      this.bootloader = undefined;
      return p.resolve(p.lines);
    }
    if (line === 'ERROR') return p.reject(atError(this.locator, p.command));
    const cme = /^\+CM[ES] ERROR: ?(\d+)$/.exec(line);
    if (cme) return p.reject(cmeError(this.locator, p.command, Number(cme[1])));
    p.lines.push(line);
  }

  /**
   * Sends `command` (without CR LF) and resolves with its information lines.
   * @throws StationError DEVICE_TIMEOUT (no final result in `timeoutMs`, default 5000), DEVICE_REFUSED /
   *   DEVICE_LOCKED (ERROR, +CME ERROR), DEVICE_RESET, DEVICE_BOOTLOADER, DEVICE_PORT_VANISHED, CANCELLED
   */
  command(command: string, o: CallOptions = {}): Promise<string[]> {
    return this.serialised(() => this.exchange(command, o));
  }

  private async exchange(command: string, o: CallOptions): Promise<string[]> {
    this.refuseIfDown();
    const timeoutMs = o.timeoutMs ?? 5000;
    const started = Date.now();
    return new Promise<string[]>((resolve, reject) => {
      let done = false;
      const finish = (e: StationError | undefined, lines?: string[]) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        if (this.pending === pending) this.pending = undefined;
        if (e) reject(e);
        else resolve(lines!);
      };
      const pending: Pending = {
        command,
        lines: [],
        resolve: (l) => finish(undefined, l),
        reject: (e) => finish(e),
      };
      const timer = setTimeout(
        () =>
          finish(
            new StationError(
              'DEVICE_TIMEOUT',
              `The modem at ${this.locator} did not answer ${command.split('=')[0]} within ${Date.now() - started} ms.`,
              'Check that the modem is powered and its AT port is the one given (not a log port), then retry.',
              { command },
            ),
          ),
        timeoutMs,
      );
      const onAbort = () =>
        finish(new StationError('CANCELLED', `${command} was cancelled.`, 'Start the job again when ready.'));
      if (o.signal?.aborted) return onAbort();
      o.signal?.addEventListener('abort', onAbort);
      this.pending = pending;
      const bytes = new TextEncoder().encode(`${command}\r\n`);
      this.stats.bytesOut += bytes.length;
      this.transport
        .write(bytes)
        .catch((e: unknown) =>
          finish(
            e instanceof StationError
              ? e
              : new StationError('DEVICE_PORT_VANISHED', String(e), 'Check the cable, then retry.'),
          ),
        );
    });
  }
}
