/**
 * Serial reads in the event loop (issue 18). serialport's Unix binding reads each chunk with an
 * asynchronous `fs.read` — one trip through libuv's thread pool per chunk, ~200–265 µs of station CPU
 * measured at 16 bays, and every bay's reads queue behind the same 4 pool threads (and the journal's
 * fsyncs). The port's file descriptor is non-blocking (serialport opens it with O_NONBLOCK and waits
 * for data with a uv_poll "readable" watcher), so the same read can be made synchronously on the event
 * loop: it returns what the driver holds at once or fails with EAGAIN, never blocks. Everything that
 * arrived since the last read comes in one read (up to the stream's 64 KiB buffer), and a short reply
 * is read the moment the poller reports it: coalescing without added latency.
 *
 * Windows keeps serialport's own reads (overlapped I/O, no descriptor to read).
 * Sources: https://serialport.io/docs/api-bindings-cpp, https://man7.org/linux/man-pages/man2/read.2.html
 */
import fs from 'node:fs';
import { SerialPort } from 'serialport';

/** The serialport binding type the SerialPort constructor accepts. */
type Binding = typeof SerialPort.binding;
/** An open port of that binding. */
type PortBinding = Awaited<ReturnType<Binding['open']>>;

/** What the Unix port bindings (Linux, macOS) carry that this module uses. */
interface UnixPort {
  fd: number | null;
  poller?: { once(event: 'readable', cb: (err: Error | null) => void): unknown };
  readonly isOpen: boolean;
}

/** The error serialport's stream ignores after a close (`canceled`), as its own binding throws it. */
function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

const AGAIN = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);
/** Codes that mean the adapter went away (as serialport's unixRead reads them). */
const GONE = new Set(['EBADF', 'ENXIO', 'UNKNOWN']);

/**
 * Reads up to `length` bytes into `buffer` at `offset`: at once when the driver holds data, else after
 * the port's poller reports it readable. Resolves with at least one byte.
 * @throws an Error with `canceled` when the port was closed; the read's own error (with `disconnect`
 *   set for an unplugged adapter) otherwise, as serialport's binding does.
 */
export async function readInEventLoop(
  port: UnixPort,
  buffer: Buffer,
  offset: number,
  length: number,
): Promise<{ bytesRead: number; buffer: Buffer }> {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw canceled();
    try {
      const bytesRead = fs.readSync(port.fd, buffer, offset, length, null);
      if (bytesRead > 0) return { bytesRead, buffer };
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { disconnect?: boolean };
      if (!AGAIN.has(err.code ?? '')) {
        if (GONE.has(err.code ?? '') || err.errno === -1) err.disconnect = true;
        throw err;
      }
    }
    // Nothing buffered (EAGAIN, or 0 bytes): wait for the poller in the event loop, then read again.
    const poller = port.poller;
    if (!poller) throw canceled();
    await new Promise<void>((resolve, reject) =>
      poller.once('readable', (err) => (err ? reject(err) : resolve())),
    );
  }
}

/** The port as a Unix port when it has a descriptor and a poller (Linux, macOS), else undefined. */
function asUnixPort(p: unknown): UnixPort | undefined {
  const u = p as Partial<UnixPort>;
  return typeof u.fd === 'number' && typeof u.poller?.once === 'function' ? (u as UnixPort) : undefined;
}

/**
 * serialport's detected binding, with the Unix ports' `read` done in the event loop
 * ({@link readInEventLoop}); on Windows (or any port without a descriptor and poller) unchanged.
 */
export const eventLoopBinding: Binding = {
  ...SerialPort.binding,
  list: () => SerialPort.binding.list(),
  async open(options: Parameters<Binding['open']>[0]): Promise<PortBinding> {
    const port = await SerialPort.binding.open(options);
    const unix = asUnixPort(port);
    if (unix) {
      port.read = (buffer: Buffer, offset: number, length: number) =>
        readInEventLoop(unix, buffer, offset, length);
    }
    return port;
  },
};
