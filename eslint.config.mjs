// ESLint (flat config) with typescript-eslint: `npm run lint`, and the first step of `npm test` after the type check.
// Beyond the recommended rules it enforces what the architecture depends on (docs/architecture.md):
// - no floating promises: a promise nobody awaits or handles loses its error;
// - workflows/ stays deterministic: value imports only from @temporalio/workflow, @temporalio/common and workflows/
//   itself (anything else, Node built-ins included, as `import type` only), no side-effect imports, no require();
// - import boundaries: the domain imports no adapter, API, activity, workflow or entry point; adapters import no API.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** An import of another top-level part of the code, by relative path, from any depth. */
const part = (...names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', '.services/', 'bench/results/', 'src/api/dashboard/public/', '**/*.js', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Names from outside (queue names, Socket.IO rooms) are checked for control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests read the JSON replies of the API under test loosely; the schema tests pin their shapes.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Benchmarks load a build of an earlier commit at run time.
    files: ['bench/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['eslint.config.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$|@temporalio/common$|\\./)',
              allowTypeImports: true,
              message:
                'Workflow code must stay deterministic: import values only from @temporalio/workflow, @temporalio/common or workflows/ itself; anything else (Node built-ins, adapters, the domain) as `import type`, or call it from an activity.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportDeclaration[specifiers.length=0]', message: 'No side-effect imports in workflow code: they run in the workflow sandbox on every replay.' },
        { selector: "CallExpression[callee.name='require']", message: 'No require() in workflow code: import from @temporalio/workflow, or use an activity.' },
        { selector: 'ImportExpression', message: 'No dynamic import() in workflow code.' },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: part('adapters', 'api', 'main', 'cli', 'activities', 'workflows'),
              message: 'The domain is pure: it owns its types and imports no adapter, API, CLI, activity, workflow or entry point (they import the domain).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: part('api', 'main', 'cli', 'activities', 'workflows'),
              message: 'Adapters implement src/adapters/ports.ts; they import no API, CLI, activity, workflow or entry point.',
            },
          ],
        },
      ],
    },
  },
);
