/** One Temporal dev server for the whole run: started in globalSetup, stopped in globalTeardown. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  setupFiles: ['<rootDir>/test/harness/jest-env.ts'],
  testTimeout: 120000,
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
};
