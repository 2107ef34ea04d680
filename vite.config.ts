import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer: a static bundle loaded by Electron from disk (no remote content) or served by the
// browser harness. `base: './'` keeps asset URLs relative for file/app-protocol loading.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: false },
});
