/**
 * Serial reads and writes in the event loop (issue 18). serialport's Unix binding reads each chunk with an
 * asynchronous `fs.read` — one trip through libuv's thread pool per chunk, ~200–265 µs of station CPU
 * measured at 16 bays, and every bay's reads queue behind the same 4 pool threads (and the journal's
 * fsyncs). The port's file descriptor is non-blocking (serialport opens it with O_NONBLOCK and waits
 * for data with a uv_poll "readable" watcher), so the same read can be made synchronously on the event
 * loop: it returns what the driver holds at once or fails with EAGAIN, never blocks. Everything that
 * arrived since the last read comes in one read (up to the stream's 64 KiB buffer), and a short reply
 * is read the moment the poller reports it: coalescing without added latency. A read that got less than
 * it asked for emptied the driver's buffer, so the next read waits for the poller first instead of
 * trying readSync at once: that try would only fail with EAGAIN, an exception (an Error built with its
 * stack) per chunk received. The poller is level-triggered (libuv's epoll watcher), so bytes that
 * arrive between the read and the wait are reported at once, never missed. Writes likewise go
 * straight into the tty layer with writeSync, waiting for the poller's "writable" only when it is full.
 *
 * Windows keeps serialport's own reads and writes (overlapped I/O, no descriptor to read).
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
  poller?: { once(event: 'readable' | 'writable', cb: (err: Error | null) => void): unknown };
  readonly isOpen: boolean;
  /** The write in progress; the binding's drain() awaits it. */
  writeOperation: Promise<void> | null;
}

/** The error serialport's stream ignores after a close (`canceled`), as its own binding throws it. */
function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

const AGAIN = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);
/** Codes that mean the adapter went away (as serialport's unixRead reads them). */
const GONE = new Set(['EBADF', 'ENXIO', 'UNKNOWN']);

/**
/** What one port's reads remember between calls. */
export interface ReadState {
  /** The last read emptied the driver's buffer (or none was made yet): wait for the poller before reading. */
  drained: boolean;
}

/**
 * Reads up to `length` bytes into `buffer` at `offset`: at once when the driver holds data, else after
 * the port's poller reports it readable. Resolves with at least one byte. With `state`, a read that
 * follows one that emptied the buffer waits for the poller first (no EAGAIN round).
 * @throws an Error with `canceled` when the port was closed; the read's own error (with `disconnect`
 *   set for an unplugged adapter) otherwise, as serialport's binding does.
 */
export async function readInEventLoop(
  port: UnixPort,
  buffer: Buffer,
  offset: number,
  length: number,
  state: ReadState = { drained: false },
): Promise<{ bytesRead: number; buffer: Buffer }> {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw canceled();
    if (state.drained) {
      // Nothing buffered (EAGAIN, 0 bytes, or the last read emptied it): wait for the poller, then read.
      state.drained = false;
      await whenPort(port, 'readable');
      continue;
    }
    try {
      const bytesRead = fs.readSync(port.fd, buffer, offset, length, null);
      state.drained = bytesRead < length;
      if (bytesRead > 0) return { bytesRead, buffer };
    } catch (e) {
      if (!AGAIN.has((e as NodeJS.ErrnoException).code ?? '')) throw portError(e);
      state.drained = true;
    }
  }
}

/** Waits for the port's poller to report `event`. @throws canceled when the port has no poller any more. */
function whenPort(port: UnixPort, event: 'readable' | 'writable'): Promise<void> {
  const poller = port.poller;
  if (!poller) return Promise.reject(canceled());
  return new Promise<void>((resolve, reject) => poller.once(event, (err) => (err ? reject(err) : resolve())));
}

/** The read or write error as serialport's binding throws it: `disconnect` set for an unplugged adapter. */
function portError(e: unknown): Error {
  const err = e as NodeJS.ErrnoException & { disconnect?: boolean };
  if (GONE.has(err.code ?? '') || err.errno === -1) err.disconnect = true;
  return err;
}

/**
 * Writes all of `buffer` with writeSync in the event loop: the tty layer takes the bytes at once (or
 * some of them); when its buffer is full (EAGAIN) the rest waits for the poller's "writable".
 * @throws an Error with `canceled` when the port was closed; the write's own error otherwise.
 */
export async function writeInEventLoop(port: UnixPort, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    if (!port.isOpen || port.fd === null) throw canceled();
    try {
      offset += fs.writeSync(port.fd, buffer, offset, buffer.length - offset);
      continue;
    } catch (e) {
      if (!AGAIN.has((e as NodeJS.ErrnoException).code ?? '')) throw portError(e);
    }
    await whenPort(port, 'writable');
  }
}

/** The port as a Unix port when it has a descriptor and a poller (Linux, macOS), else undefined. */
function asUnixPort(p: unknown): UnixPort | undefined {
  const u = p as Partial<UnixPort>;
  return typeof u.fd === 'number' && typeof u.poller?.once === 'function' ? (u as UnixPort) : undefined;
}

/**
 * serialport's detected binding, with the Unix ports' `read` and `write` done in the event loop
 * ({@link readInEventLoop}, {@link writeInEventLoop}); on Windows (or any port without a descriptor and poller) unchanged.
 */
export const eventLoopBinding: Binding = {
  ...SerialPort.binding,
  list: () => SerialPort.binding.list(),
  async open(options: Parameters<Binding['open']>[0]): Promise<PortBinding> {
    const port = await SerialPort.binding.open(options);
    const unix = asUnixPort(port);
    if (unix) {
      const reads: ReadState = { drained: true }; // nothing read yet: the poller says when data is there
      port.read = (buffer: Buffer, offset: number, length: number) =>
        readInEventLoop(unix, buffer, offset, length, reads);
      port.write = (buffer: Buffer) => {
        if (!unix.isOpen) return Promise.reject(new Error('Port is not open'));
        const op = writeInEventLoop(unix, buffer).then(() => {
          if (unix.writeOperation === op) unix.writeOperation = null;
        });
        unix.writeOperation = op;
        return op;
      };
    }
    return port;
  },
};
