import { defineConfig } from 'vite';

// The Go server (phonghop serve) listens on 127.0.0.1:8080 by default; during `npm run dev`
// every API, WebSocket and health path goes to it so the app runs against the real server.
const backend = 'http://127.0.0.1:8080';

export default defineConfig({
  // JSX is compiled by Vite's own transformer with Preact's automatic runtime: no plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    // dist/ is rebuilt from scratch each time; scripts/keep-dist.mjs puts dist/.keep back,
    // which git keeps so that `go build` (//go:embed all:dist) works on a clean checkout.
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // The PDF viewer's chunk carries pdf.js (about 410 kB) and loads only when a document opens.
    chunkSizeWarningLimit: 450,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: backend },
      '/ws': { target: backend, ws: true },
      '/rtc': { target: backend, ws: true },
      '/healthz': { target: backend },
      '/readyz': { target: backend },
    },
  },
});
