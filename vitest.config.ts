import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One test file at a time: the multi-process tests run seven node processes and the experiment
    // test two workers, on two cores. Beside another file's simulations they were starved enough to
    // miss their bounds now and then; one at a time, every timing bound holds with margin.
    fileParallelism: false,
  },
});
