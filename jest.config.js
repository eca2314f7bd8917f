// Jest in native ESM mode (NODE_OPTIONS=--experimental-vm-modules) with SWC for TypeScript.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
    },
    module: { type: 'es6' },
  },
];

// ESM-only packages that CommonJS dependencies require() (Node 20 cannot): compiled to CommonJS.
const esmRequiredByCjs = ['cookie', 'content-disposition'];
const toCommonJs = ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    [`/node_modules/(${esmRequiredByCjs.join('|')})/.+\\.js$`]: toCommonJs,
    '^.+\\.ts$': swc,
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmRequiredByCjs.join('|')})/)`],
  testEnvironment: 'node',
};

export default {
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.spec.ts'] },
    { ...common, displayName: 'simulator', testMatch: ['<rootDir>/test/simulator/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'] },
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.spec.ts'] },
  ],
};
