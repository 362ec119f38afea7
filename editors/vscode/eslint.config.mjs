// ESLint for the extension: the recommended rules, and typescript-eslint's type-checked ones on src/ (they
// catch deprecated client APIs, floating promises and unsafe `any`). The tests and e2e scripts are plain Node.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }] },
  },
  {
    files: ['test/**/*.mjs', 'e2e/**/*.mjs'],
    languageOptions: {
      // Node's globals, and `document` in the functions e2e.mjs runs inside the page.
      globals: Object.fromEntries(
        ['process', 'console', 'fetch', 'setTimeout', 'clearTimeout', 'URL', 'document'].map((name) => [name, 'readonly']),
      ),
    },
  },
);
