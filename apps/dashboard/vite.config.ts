// The billing dashboard: a static single-page app that the API serves at /dashboard/ (see
// apps/api/src/dashboard/serve-dashboard.ts). Built into dist/dashboard, beside the compiled API.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
  },
});
