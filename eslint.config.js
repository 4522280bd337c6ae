// Lint rules that guard the architecture more than the formatting.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'dist-check/**', 'node_modules/**', 'test/fixtures/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_'}],
    },
  },
  {
    // lib/ knows nothing of oclif or listr2: it throws typed errors and returns data.
    files: ['src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {patterns: [{group: ['@oclif/*', 'listr2', '../../commands/*', '../../base-command*'], message: 'src/lib must not depend on oclif, listr2 or the command layer'}]},
      ],
    },
  },
  {
    // Plain ESM JavaScript that runs on Node (bin/, scripts/, the example plugin).
    files: ['**/*.js'],
    languageOptions: {globals: {console: 'readonly', process: 'readonly', URL: 'readonly'}},
  },
  {
    files: ['test/**/*.ts', 'examples/*/test/**/*.ts'],
    rules: {'@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unused-expressions': 'off'},
  },
)
