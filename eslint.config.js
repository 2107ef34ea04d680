// ESLint flat config: typescript-eslint recommended everywhere, react-hooks rules in the renderer,
// and the architecture's import boundaries (../shared/DESIGN.md, Layout) as lint errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'release/', 'test-results/', 'playwright-report/', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '**/electron/**', 'electron'],
              message: 'The renderer knows only the station API (window.station).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '**/electron/**', '**/renderer/**', '**/sim/**'],
              message: 'shared/ holds contracts only: no Node, no DOM, no other layer.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'electron/station/**/*.ts',
      'electron/cli.ts',
      'electron/cli/**/*.ts',
      'electron/harness/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The station core runs under plain Node: never import electron here.',
            },
          ],
          patterns: [
            { group: ['**/renderer/**', '**/test/**'], message: 'Nothing imports renderer/ or test/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['sim/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/electron/**', '**/renderer/**'],
              message: 'sim/ depends only on shared contracts.',
            },
          ],
        },
      ],
    },
  },
);
