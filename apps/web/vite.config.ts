import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';
import { serviceWorkerPlugin } from './src/pwa/service-worker-build.js';

/** Our workspace packages' sources: see `moduleSideEffects` below. */
const DECLARATION_ONLY = /\/packages\/(protocol|crypto)\/src\//;

// The web client is served by the server itself (one origin), from apps/web/dist.
// In development, `vite` proxies the API to a running server.
export default defineConfig({
  // The service worker (/sw.js) is emitted with the build's file list: src/pwa/service-worker-build.ts.
  plugins: [react(), serviceWorkerPlugin()],
  // Our workspace packages' TypeScript sources (a condition name no published package uses).
  resolve: { conditions: ['llamenos-source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    sourcemap: false,
    target: 'es2022',
    assetsInlineLimit: 0,
    // Our packages' modules only declare (schemas, labels, functions): one whose exports nothing
    // uses is left out, not kept for side effects it does not have. Without this the first load
    // carried the attachments' streaming crypto and unused protocol schemas (they arrive through
    // the packages' index files).
    rolldownOptions: { treeshake: { moduleSideEffects: [{ test: DECLARATION_ONLY, sideEffects: false }] } },
  },
  worker: { format: 'es' },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
