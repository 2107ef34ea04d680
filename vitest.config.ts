import { defineConfig } from 'vitest/config';

// Unit and integration tests (Playwright e2e tests live in test/e2e and run under `playwright test`).
export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.{ts,tsx}',
      'test/integration/**/*.test.ts',
      'test/adversarial/**/*.test.ts',
    ],
    environment: 'node',
    // Native modules (serialport, better-sqlite3) and child processes (PTYs, emulator): forks isolate them.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 10_000,
  },
});
