// Vite build and dev server for the editor: served by the Worker from dist/app, proxied to a local hub in dev.
// The build also emits /sw.js, the service worker (src/sw.ts, bundled by esbuild) that keeps the app shell for
// offline use, with the list of built files it keeps.
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { build as esbuild } from "esbuild";
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";

const hub = "http://127.0.0.1:8787";

function serviceWorker(): Plugin {
  return {
    name: "weft-service-worker",
    apply: "build",
    enforce: "post",
    async generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        // ELK's main-thread build serves only where there is no Web Worker, which no browser with a service worker lacks.
        .filter((file) => file !== "index.html" && !file.endsWith(".map") && !/^assets\/elk\.bundled/.test(file))
        .sort();
      const shell = ["/", ...files.map((file) => `/${file}`)];
      const html = bundle["index.html"];
      const build = createHash("sha256")
        .update(JSON.stringify(shell))
        .update(html?.type === "asset" ? html.source : "")
        .digest("hex")
        .slice(0, 16);
      const result = await esbuild({
        entryPoints: [fileURLToPath(new URL("./src/sw.ts", import.meta.url))],
        bundle: true,
        write: false,
        format: "iife",
        target: "es2022",
        minify: true,
        define: { __WEFT_SHELL__: JSON.stringify(shell), __WEFT_BUILD__: JSON.stringify(build) },
      });
      const code = result.outputFiles[0]?.text;
      if (!code) throw new Error("esbuild produced no service worker");
      this.emitFile({ type: "asset", fileName: "sw.js", source: code });
    },
  };
}

export default defineConfig(({ command }) => ({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [solid(), serviceWorker()],
  define: { __WEFT_SW__: JSON.stringify(command === "build") },
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
}));
