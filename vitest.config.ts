import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests spawn the built CLI and train real (small) networks.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
