// Layer rules (as VS Code enforces its layers): core/ is pure TypeScript for Node and the browser's
// worker alike: it never imports electron/ or renderer/, the electron package, or the DOM.
import tseslint from 'typescript-eslint';

const domGlobals = ['window', 'document', 'navigator', 'HTMLElement', 'HTMLCanvasElement', 'localStorage', 'requestAnimationFrame'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'dist-electron/**', 'out/**', 'scratch/**', 'renderer/dist/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/electron/**', '../electron/*', '../../electron/*'], message: 'core/ must not import from electron/ (layer rule).' },
            { group: ['**/renderer/**', '../renderer/*', '../../renderer/*'], message: 'core/ must not import from renderer/ (layer rule).' },
          ],
          paths: [{ name: 'electron', message: 'core/ must not import Electron (layer rule).' }],
        },
      ],
      'no-restricted-globals': ['error', ...domGlobals.map((name) => ({ name, message: 'core/ must not use the DOM (layer rule).' }))],
    },
  },
);
