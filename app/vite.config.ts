// Vite build and dev server for the editor: served by the Worker from dist/app, proxied to a local hub in dev.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

const hub = "http://127.0.0.1:8787";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [solid()],
  build: {
    outDir: "../dist/app",
    emptyOutDir: true,
  },
  server: {
    proxy: {
      "/api": { target: hub },
      "/parties": { target: hub, ws: true },
    },
  },
});
