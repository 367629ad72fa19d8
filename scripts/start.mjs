// `npm start`: opens the desktop app; where the Electron binary is missing (it is downloaded on
// first use, which some networks block), says so and opens browser mode instead.
import { spawn } from 'node:child_process';
import { electronBinary } from './electron-binary.mjs';

const electronPath = electronBinary();
const args = process.argv.slice(2);
if (electronPath) {
  const child = spawn(electronPath, ['.', ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log('The Electron binary is not installed here (it downloads on first use; run `npx electron --version` where the network allows).');
  console.log('Starting browser mode instead: open the URL below in Chrome, Chromium, Edge or Firefox.\n');
  const child = spawn(process.execPath, ['bin/serve.mjs', ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}
