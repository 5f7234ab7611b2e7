// Jest: unit tests (pure modules) and API tests (a real hub over HTTP on a real PostgreSQL:
// the server named by TEST_DATABASE_URL, or the embedded PGlite when it is unset).
// Packages published as ES modules only (marklassian and its marked) are loaded untransformed:
// Node 24 require()s them, and so does Jest on it (with --experimental-vm-modules, see `npm test`).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  maxWorkers: 2,
};
