// Unit tests: pure logic in Node, beside the code they test.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["shared/**/*.test.ts", "worker-node/**/*.test.ts", "edge/**/*.test.ts"],
    environment: "node",
  },
});
