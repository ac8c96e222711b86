import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/renderer', import.meta.url));

// The renderer bundle. Everything it needs (fonts, icons) is bundled: the app must work offline and
// never asks a CDN for anything. web-bridge is a second entry the web host injects before the app.
export default defineConfig({
  root,
  base: './',
  publicDir: false,
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    assetsInlineLimit: 0,
    // A desktop app loads its bundle from disk: one large chunk costs nothing here.
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./renderer/index.html', import.meta.url)),
        'web-bridge': fileURLToPath(new URL('./renderer/web-bridge.ts', import.meta.url)),
        'canvas-dev': fileURLToPath(new URL('./renderer/canvas/dev/bench.html', import.meta.url)),
      },
    },
  },
});
