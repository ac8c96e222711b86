import { defineConfig } from 'vitest/config';

// Two projects: fast unit/integration tests in plain Node, and end-to-end tests that drive
// Debian Chromium (and Electron where its binary exists) against a real web host.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // The CLI tests run the compiled CLI: built once per run into a private folder.
          globalSetup: ['tests/support/cli-bundle-setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts', 'tests/electron/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['tests/support/e2e-setup.ts'],
        },
      },
    ],
  },
});
