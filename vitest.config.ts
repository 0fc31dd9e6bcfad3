import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each worker holds forwarders and keys; two cores, two workers.
    maxWorkers: 2,
  },
});
