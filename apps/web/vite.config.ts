import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// The web client is served by the server itself (one origin), from apps/web/dist.
// In development, `vite` proxies the API to a running server.
export default defineConfig({
  plugins: [react()],
  // Our workspace packages' TypeScript sources (a condition name no published package uses).
  resolve: { conditions: ['llamenos-source', ...defaultClientConditions] },
  build: { outDir: 'dist', sourcemap: false, target: 'es2022', assetsInlineLimit: 0 },
  worker: { format: 'es' },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
