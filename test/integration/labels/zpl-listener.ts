/**
 * A loopback stand-in for a network label printer: listens on 127.0.0.1 (a free port), reads each
 * connection to its end, keeps the bytes as one print job and closes — as a raw-TCP (port 9100)
 * printer does. Used by the ZPL integration test and the auto-print e2e.
 */
import net from 'node:net';

export interface ZplListener {
  /** "127.0.0.1:<port>", as the label printer setting takes it. */
  address: string;
  port: number;
  /** Print jobs received, in order, as UTF-8 text. */
  jobs: string[];
  /** Resolves once `n` jobs have arrived. */
  waitForJobs(n: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function startZplListener(): Promise<ZplListener> {
  const jobs: string[] = [];
  const waiters: Array<() => void> = [];
  const server = net.createServer((socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => {
      jobs.push(Buffer.concat(chunks).toString('utf8'));
      socket.end();
      for (const w of waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    jobs,
    async waitForJobs(n, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (jobs.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} print jobs, got ${jobs.length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      return jobs.slice(0, n);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
