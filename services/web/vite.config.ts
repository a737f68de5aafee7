import { defineConfig } from 'vite';

// The browser app: index.html + browser/. No framework plugin; plain TypeScript and the DOM.
export default defineConfig({
  root: import.meta.dirname,
  // One copy of the OTel API in the bundle: the Faro packages carry an older one, and the OTel API
  // refuses a global registered by an older minor version, which silently turned the fetch
  // instrumentation into a no-op (no traceparent on requests).
  resolve: { dedupe: ['@opentelemetry/api'] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
