/**
 * Playwright global setup: builds the renderer once (`vite build` → dist/renderer) so every e2e test
 * serves the same static bundle through the harness, exactly as Electron would load it.
 * Skip with E2E_SKIP_BUILD=1 when dist/renderer is known to be fresh.
 */
import { build } from 'vite';

export default async function globalSetup(): Promise<void> {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  await build({ configFile: 'vite.config.ts', logLevel: 'warn' });
}
