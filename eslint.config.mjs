// Type-aware linting: floating promises and non-exhaustive switches are errors (DESIGN.md "Rules").
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import berth from './eslint/app-boundaries.mjs';

// libs/domain is pure so that the CLI and the dashboard can run its rules too: no Node builtin, by either name.
const NO_NODE_IN_DOMAIN = {
  paths: builtinModules.map((name) => ({
    name,
    message:
      'libs/domain imports no Node builtin (the CLI and dashboard reuse it); put the Node part in its caller.',
  })),
  patterns: [
    {
      group: ['node:*'],
      message:
        'libs/domain imports no Node builtin (the CLI and dashboard reuse it); put the Node part in its caller.',
    },
  ],
};

// Inside apps/agent only drivers touch the host (DESIGN.md "Processes"): spawning a process or writing a host
// file anywhere else hides a host effect from the one place that owns it. Reading is allowed.
const HOST_WRITES =
  'Only apps/agent/src/drivers/** spawns processes or writes host files; move this into a driver.';
const FS_READS = [
  'access',
  'accessSync',
  'constants',
  'createReadStream',
  'existsSync',
  'lstat',
  'lstatSync',
  'opendir',
  'readdir',
  'readdirSync',
  'readFile',
  'readFileSync',
  'readlink',
  'readlinkSync',
  'realpath',
  'realpathSync',
  'stat',
  'statSync',
  'statfs',
  'statfsSync',
];
const HOST_EFFECTS_IN_DRIVERS_ONLY = {
  paths: [
    ...['child_process', 'node:child_process'].map((name) => ({ name, message: HOST_WRITES })),
    ...['fs', 'node:fs', 'fs/promises', 'node:fs/promises'].map((name) => ({
      name,
      allowImportNames: FS_READS,
      allowTypeImports: true,
      message: HOST_WRITES,
    })),
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      'jest.config.js',
      'eslint.config.mjs',
      'eslint/**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @berth/config only.' },
      ],
    },
  },
  {
    files: [
      'libs/config/**',
      'test/**',
      'bench/**',
      'scripts/**',
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      'libs/testing/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**', 'libs/testing/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['apps/**/*.ts', 'apps/**/*.tsx', 'libs/**/*.ts'],
    plugins: { berth },
    rules: { 'berth/app-boundaries': 'error' },
  },
  {
    files: ['libs/domain/src/**/*.ts'],
    // Specs run in Node (they read the diagrams beside the code); the rule is about what ships.
    ignores: ['**/*.spec.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', NO_NODE_IN_DOMAIN] },
  },
  {
    files: ['apps/agent/src/**/*.ts'],
    // Specs prepare their own fixtures on disk; the rule is about what the agent does to its host.
    ignores: ['apps/agent/src/drivers/**', '**/*.spec.ts', '**/*.int-spec.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', HOST_EFFECTS_IN_DRIVERS_ONLY] },
  },
);
