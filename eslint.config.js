// ESLint flat config: typescript-eslint recommended everywhere, react-hooks rules in the renderer,
// and the architecture's import arrows (docs/architecture.md, "Layers") as lint errors:
//   renderer → shared ← core ← {electron, cli, dev};  sim → shared;  dev → sim;  cli → dev.
// test/unit/architecture/boundaries.test.ts proves each rule fires.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/** Every top-level folder that holds product or test code. */
const FOLDERS = ['shared', 'core', 'electron', 'cli', 'dev', 'sim', 'renderer', 'test', 'bench'];

/** Import patterns for every folder `folder` may not reach (relative imports at any depth). */
function forbiddenFolders(folder, may) {
  return FOLDERS.filter((f) => f !== folder && !may.includes(f)).flatMap((f) => [`**/${f}/**`, `**/${f}`]);
}

/**
 * The arrows. `may` lists the folders a layer may import besides itself; `paths` lists packages it
 * may not import; `noNode` forbids node:* built-ins. Nothing imports renderer/, test/ or bench/.
 */
export const LAYERS = [
  {
    folder: 'shared',
    may: [],
    noNode: true,
    paths: ['electron', 'serialport', 'better-sqlite3', 'jsforce', 'node-forge', 'react'],
    message: 'shared/ holds contracts only: no Node, no DOM, no other layer.',
  },
  {
    folder: 'core',
    may: ['shared'],
    paths: ['electron', 'react', 'react-dom'],
    message: 'The station core imports shared/ only and never electron, cli, dev, sim, renderer.',
  },
  {
    folder: 'electron',
    may: ['shared', 'core'],
    paths: [],
    message: 'The Electron shell drives the core; it never reaches cli/, dev/, sim/ or renderer/.',
  },
  {
    folder: 'cli',
    may: ['shared', 'core', 'dev'],
    paths: ['electron', 'react', 'react-dom'],
    message: 'The CLI drives the core (and dev/ for the embedded defaults); never electron, sim or renderer.',
  },
  {
    folder: 'dev',
    may: ['shared', 'core', 'sim'],
    paths: ['electron', 'react', 'react-dom'],
    message: 'dev/ wires the core to the stand-ins; it never imports cli/, electron/ or renderer/.',
  },
  {
    folder: 'sim',
    may: ['shared'],
    paths: ['electron', 'react', 'react-dom'],
    message: 'sim/ stand-ins depend only on shared contracts.',
  },
  {
    folder: 'renderer',
    may: ['shared'],
    noNode: true,
    paths: ['electron', 'serialport', 'better-sqlite3', 'jsforce'],
    message: 'The renderer knows only the station API (window.station) and shared/.',
  },
];

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
    rules: { ...reactHooks.configs.recommended.rules },
  },
  ...LAYERS.map(({ folder, files, paths, may, noNode, message }) => ({
    files: files ?? [`${folder}/**/*.{ts,tsx}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: (paths ?? []).map((name) => ({ name, message })),
          patterns: [{ group: [...forbiddenFolders(folder, may), ...(noNode ? ['node:*'] : [])], message }],
        },
      ],
    },
  })),
);
