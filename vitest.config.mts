import { defineConfig } from "vitest/config";

// Tests that start real processes (wireguard-go, prometheus, sshd in a booted host) need
// generous timeouts and must not run all at once on a 2-core machine.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    reporters: ["default", "./test/helpers/plain-summary-reporter.ts"],
  },
});
