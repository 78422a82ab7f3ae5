// ESLint (flat config): the recommended JavaScript rules and typescript-eslint's
// type-checked set over every TypeScript file tsconfig.json covers. `npm run lint`;
// test/run.sh runs it with the type check, before the tests.
//
// What is changed from the recommended sets, and why:
// - require-await: off. Methods that are async by their interface (a sink's
//   `close`, a stack service's `launch`, kafkajs's `eachBatch`) may have nothing
//   to wait for; a promise misused or left floating is what matters, and
//   no-floating-promises / no-misused-promises (kept) catch that.
// - only-throw-error allows `Invalid`: the record validators throw a plain object
//   inside their own module, on purpose (no stack trace to capture per bad record),
//   and turn it into a Result before it leaves.
// - Tests and benches may handle `any`: JSON bodies of HTTP replies, decoded Kafka
//   messages and fixtures are untyped by nature, and the assertions are the check;
//   and they may write control characters in regular expressions (the terminal
//   tests match ANSI escape sequences).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.eval/**', 'reports/**', 'test-artifacts/**', '**/*.mjs', '**/*.cjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/only-throw-error': ['error', { allow: [{ from: 'file', name: 'Invalid' }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.test.ts', 'test/**/*.ts'],
    rules: {
      'no-control-regex': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
