/**
 * Electron main process: the window (context isolation, sandbox, no Node integration, strict
 * CSP), the application menu and file dialogs, and the application service whose engine host
 * runs registrations in an Electron utility process.
 */
import { app, BrowserWindow, Menu, dialog, ipcMain, session, utilityProcess, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppService } from './app/app-service.js';
import { EngineHost } from './host/engine-host.js';
import type { HostLauncher } from './host/engine-host.js';
import type { FromHost } from './host/protocol.js';
import { CHANNELS, validateRequest } from '../core/ipc/contract.js';
import { describeError } from '../core/util/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = app.isPackaged ? process.resourcesPath : path.resolve(here, '..');
const RENDERER = path.join(app.isPackaged ? path.join(process.resourcesPath, 'app.asar') : ROOT, 'renderer', 'dist', 'index.html');

const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Engine host in an Electron utility process (crash-isolated from the window and main process). */
const utilityLauncher: HostLauncher = () => {
  const child = utilityProcess.fork(path.join(here, 'engine-worker.mjs'), [], { serviceName: 'LabelWarp engine host', stdio: 'inherit' });
  return {
    pid: child.pid,
    send: (m) => child.postMessage(m),
    onMessage: (fn) => child.on('message', (m: FromHost) => fn(m)),
    onExit: (fn) => child.on('exit', (code) => fn(`exit code ${code}`)),
    kill: () => void child.kill(),
  };
};

let service: AppService;
let win: BrowserWindow | undefined;

async function pick(kind: 'file' | 'files' | 'folder', title?: string): Promise<string[] | null> {
  const props: ('openFile' | 'openDirectory' | 'multiSelections')[] =
    kind === 'folder' ? ['openDirectory'] : kind === 'files' ? ['openFile', 'multiSelections'] : ['openFile'];
  const r = await dialog.showOpenDialog(win!, {
    title,
    properties: props,
    filters:
      kind === 'folder'
        ? undefined
        : [
            { name: 'Images', extensions: ['nii', 'gz', 'nrrd', 'nhdr', 'mha', 'mhd', 'txt', 'csv'] },
            { name: 'All files', extensions: ['*'] },
          ],
  });
  return r.canceled ? null : r.filePaths;
}

function buildMenu(): void {
  const send = (action: string) => win?.webContents.send('menu', action);
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      {
        label: 'File',
        submenu: [
          { label: 'Add scans…', accelerator: 'CmdOrCtrl+O', click: () => send('add-scans') },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      {
        label: 'View',
        submenu: [
          { role: 'reload' },
          { role: 'toggleDevTools' },
          { type: 'separator' },
          { role: 'resetZoom' },
          { role: 'zoomIn' },
          { role: 'zoomOut' },
        ],
      },
      {
        label: 'Help',
        submenu: [
          {
            label: 'About LabelWarp',
            click: () =>
              dialog.showMessageBox({
                message: `LabelWarp ${app.getVersion()}`,
                detail: 'One-shot atlas segmentation by deformable registration.',
              }),
          },
          { label: 'Sample data licence', click: () => void shell.openPath(path.join(ROOT, 'resources', 'sample', 'ixi', 'LICENSE.md')) },
        ],
      },
    ]),
  );
}

async function createWindow(): Promise<void> {
  win = new BrowserWindow({
    width: 1500,
    height: 950,
    title: 'LabelWarp',
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.on('close', () => {
    // A closed window stops the running jobs; finished results are already on disk.
    service.host.cancelAll();
  });
  await win.loadFile(RENDERER);
}

app.whenReady().then(async () => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  service = new AppService({
    stateDir: path.join(app.getPath('userData'), 'state'),
    resourcesDir: path.join(ROOT, 'resources'),
    host: new EngineHost(utilityLauncher),
    pick,
  });
  await service.init();
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event, raw) => {
      if (!win || event.sender !== win.webContents) throw new Error('request from an unknown window');
      try {
        return await service.call(channel, validateRequest(channel, raw));
      } catch (err) {
        throw new Error(describeError(err));
      }
    });
  }
  service.on('event', (name, payload) => win?.webContents.send(name, payload));
  buildMenu();
  await createWindow();
});

app.on('window-all-closed', () => {
  service?.dispose();
  app.quit();
});
