import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: the real React renderer in Debian's Chromium (/usr/bin/chromium; never a
 * downloaded browser), talking to a real station core over the WebSocket harness.
 */
export default defineConfig({
  testDir: 'test/e2e',
  // Builds the renderer once (vite build → dist/renderer) before any test serves it.
  globalSetup: './test/e2e/global-setup.ts',
  timeout: 90_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  use: {
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
