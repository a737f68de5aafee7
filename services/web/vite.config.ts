import { defineConfig } from 'vite';

// The browser app: index.html + src/browser. No framework plugin; plain TypeScript and the DOM.
export default defineConfig({
  root: import.meta.dirname,
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
