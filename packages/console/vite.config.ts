// Builds the console into dist/: static files the API serves at /dashboard/, nothing fetched
// from elsewhere at run time, and the first page load's compressed JavaScript printed and capped.

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { bundleSize } from './vite/bundle-size.ts';

export default defineConfig({
  base: '/dashboard/',
  plugins: [react(), bundleSize(300 * 1024)],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
});
