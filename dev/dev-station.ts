/**
 * A development station for the browser: the embedded defaults (simulated devices on PTYs, the org
 * emulator, a development CA) behind the WebSocket harness. `npm run dev:web` runs it; the Playwright
 * e2e tests start it per test file.
 */
import path from 'node:path';
import { startEmbedded, type Embedded, type EmbeddedOptions } from './embedded';
import { startHarness, type Harness } from './ws-server';

export interface DevStation extends Embedded {
  harness: Harness;
}

/**
 * Starts the embedded defaults and the harness serving `staticDir` (default dist/renderer).
 * @throws StationError when the renderer is not built or the embedded defaults cannot start.
 */
export async function startDevStation(
  opts: EmbeddedOptions & { port?: number; staticDir?: string },
): Promise<DevStation> {
  const env = await startEmbedded({ ...opts, transport: 'websocket' });
  try {
    const harness = await startHarness({
      station: env.station,
      staticDir: opts.staticDir ?? path.resolve('dist', 'renderer'),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
    });
    return {
      ...env,
      harness,
      async stop() {
        await harness.close();
        await env.stop();
      },
    };
  } catch (e) {
    await env.stop();
    throw e;
  }
}
