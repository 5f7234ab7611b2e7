// Jest: unit tests (pure modules) and API tests (a real hub over HTTP on a real PostgreSQL:
// the server named by TEST_DATABASE_URL, or the embedded PGlite when it is unset).
/** @type {import('jest').Config} */
const ESM_ONLY = ['marklassian', 'marked'];
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  // Packages published as ES modules only (marklassian and its marked): Node 20 loads them with
  // require() outside Jest, but Jest's own require needs them compiled to CommonJS.
  [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: [
    'ts-jest',
    { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022', isolatedModules: true } },
  ],
};

module.exports = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  maxWorkers: 2,
};
