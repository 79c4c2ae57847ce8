import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/common',
    '<rootDir>/dev',
    '<rootDir>/gateway',
    '<rootDir>/subgraphs',
    '<rootDir>/test',
  ],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
  },
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
};

export default config;
