import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web client is served by the server itself (one origin), from apps/web/dist.
// In development, `vite` proxies the API to a running server.
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['source'] },
  build: { outDir: 'dist', sourcemap: false, target: 'es2022', assetsInlineLimit: 0 },
  worker: { format: 'es' },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
