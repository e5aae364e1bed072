// Unit tests of the editor's pure modules and its Yjs → Solid adapter, in Node with Solid's browser (reactive) build.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["browser"] },
  ssr: { resolve: { conditions: ["browser"], externalConditions: ["browser"] } },
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["app/**/*.test.ts"],
    environment: "node",
    // Solid's exports map serves its non-reactive server build under the "node" condition unless inlined.
    server: { deps: { inline: [/solid-js/] } },
  },
});
