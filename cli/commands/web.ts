/**
 * `asset-station web` (npm run dev:web): the real renderer in your browser against a real station core
 * on the embedded defaults, over the WebSocket harness on 127.0.0.1 with a per-run token.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { integerOption } from '../options';
import { DEMO_ADMIN_PIN, DEMO_HOME } from '../../dev/embedded';
import { startDevStation } from '../../dev/dev-station';

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('web')
    .description('serve the station UI to a browser (embedded simulator and org emulator) on 127.0.0.1')
    .option('--port <n>', 'TCP port (default: a free one)')
    .option('--devices <n>', 'number of simulated devices', '4')
    .option('--no-build', 'serve dist/renderer as it is')
    .action(async (o: { port?: string; devices: string; build: boolean }) => {
      const c = ctx();
      const devices = integerOption(o.devices, '--devices', 1, 64);
      const port = o.port !== undefined ? integerOption(o.port, '--port', 0, 65535) : undefined;
      const explicit = program.opts<{ home?: string }>().home ?? process.env.ASSET_STATION_HOME;
      const home = explicit ? c.newHome : path.resolve(DEMO_HOME); // as the demo, it sets up its home
      if (o.build || !fs.existsSync(path.resolve('dist/renderer/index.html'))) {
        c.info('building the renderer (vite build)…');
        const r = spawnSync(path.resolve('node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], {
          stdio: 'inherit',
        });
        if (r.status !== 0) throw new Error('vite build failed; see the output above.');
      }
      const dev = await startDevStation({
        home,
        devices,
        ...(port !== undefined ? { port } : {}),
      });
      c.result(
        { url: dev.harness.url, home, adminPin: DEMO_ADMIN_PIN, org: dev.org.baseUrl },
        (r) =>
          `Asset Station UI: ${r.url}\n  home ${r.home}\n  demo admin PIN ${r.adminPin} (settings)\n  org emulator ${r.org}\nPress Ctrl+C to stop.`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await dev.stop();
    });
}
