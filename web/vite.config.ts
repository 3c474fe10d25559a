import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// The client is served by the API server in production (`npm start`); `vite` in web/ proxies to it in development.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  plugins: [svelte()],
  build: {
    outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022',
    // TensorFlow.js and face-api make the face worker's chunk about 2.3 MB, loaded by the exam page only, in a worker:
    // warn only if a chunk grows beyond that, not on every start.
    chunkSizeWarningLimit: 2600,
    // Rolldown's report of slow plugins is for whoever tunes the build, not for the operator starting the server.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:3000', ws: true },
      '/files': 'http://127.0.0.1:3000',
      '/speedtest': 'http://127.0.0.1:3000',
    },
  },
});
