// ESLint: the recommended rules and the shape of the tree (a feature is used from outside its folder
// only through its index.ts). Not type-aware: with type information the run takes three times as long.
const fs = require('node:fs');
const path = require('node:path');
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const features = fs
  .readdirSync(path.join(__dirname, 'src/features'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// Any specifier naming a file inside some feature other than `own` (its index.ts is the way in).
function intoFeature(own) {
  const other = own ? `(?!${own}/)` : '';
  return `(^|/)features/${other}[^/]+/(?!index$).+`;
}

// From a file `depth` folders below src/features/<own>/, `../` taken depth + 1 times leads to
// src/features/, so what follows names another feature's file.
function intoSiblingFeature(own, depth) {
  return `^(\\.\\./){${depth + 1}}(?!${own}/)[^./][^/]*/(?!index$).+`;
}

const boundaryMessage = 'Use the feature through its index.ts, which exports what other code may use.';

// Nothing in a feature or in src/lib reaches up into the entry points (jobs/, features/admin/): the job
// contracts and enqueueJob live in src/lib/, the console route table in src/web/.
const upwardPatterns = [{ regex: '(^|/)jobs(/|$)', message: 'jobs/ is an entry point: share code through src/lib/.' }];
const upwardIntoAdmin = [{ regex: '(^|/)admin(/|$)', message: 'features/admin/ is an entry point: share code through src/web/ or src/lib/.' }];

function restrict(patterns) {
  return { 'no-restricted-imports': ['error', { patterns }] };
}

const boundaryBlocks = features.flatMap((own) =>
  [0, 1, 2].map((depth) => ({
    files: [`src/features/${own}/${'*/'.repeat(depth)}*.ts`],
    rules: restrict([
      { regex: intoFeature(own), message: boundaryMessage },
      { regex: intoSiblingFeature(own, depth), message: boundaryMessage },
      ...upwardPatterns,
      ...(own === 'admin' ? [] : upwardIntoAdmin),
    ]),
  })),
);

module.exports = tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'data/', 'test/artifacts/', 'src/db/migrations/', 'views/assets/', 'coverage/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // These patterns match control characters on purpose: they strip or refuse them in user input.
      'no-control-regex': 'off',
      // `_name` marks a parameter a signature requires but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // src/dev (the emulator and the mail sink) is required lazily so production never loads it.
    files: ['src/context.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // test/ and bench/ may reach into a feature: they exercise and measure its parts one at a time.
    files: ['src/**/*.ts', 'jobs/**/*.ts', 'config/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['src/features/**'],
    rules: restrict([{ regex: intoFeature(''), message: boundaryMessage }]),
  },
  {
    files: ['src/lib/**/*.ts'],
    rules: restrict([{ regex: intoFeature(''), message: boundaryMessage }, ...upwardPatterns, ...upwardIntoAdmin]),
  },
  ...boundaryBlocks,
);
