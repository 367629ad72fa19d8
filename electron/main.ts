/**
 * Electron main process: the window (context isolation, sandbox, no Node integration, pages from
 * the app:// scheme with a strict CSP, every permission request denied), the application menu and
 * file dialogs, and the application service whose engine host and volume reader run in Electron
 * utility processes. IPC is answered only for the app's own main frame, and requests reach only
 * the folders the user picked (electron/security/roots.ts, as in browser mode).
 */
import { app, BrowserWindow, Menu, dialog, ipcMain, protocol, session, utilityProcess, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppService } from './app/app-service.js';
import { EngineHost } from './host/engine-host.js';
import type { HostLauncher } from './host/engine-host.js';
import type { FromHost, ToHost } from './host/protocol.js';
import { TrainingHost, trainingHeapMiB } from './host/training-host.js';
import type { FromTrainer, ToTrainer } from './host/training-protocol.js';
import { VolumeReader } from './host/volume-reader.js';
import type { FromReader, ToReader } from './host/reader-protocol.js';
import { AllowedRoots } from './security/roots.js';
import { APP_INDEX, APP_SCHEME_PRIVILEGES, serveAppProtocol } from './security/app-protocol.js';
import { isTrustedSender } from './security/ipc-sender.js';
import { denyAllPermissions } from './security/permissions.js';
import { CHANNELS } from '../core/ipc/contract.js';
import type { PickKind } from '../core/ipc/contract.js';
import { describeError } from '../core/util/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = app.isPackaged ? process.resourcesPath : path.resolve(here, '..');
// The hosts this process starts find the bundled models here (core/models/bundled.ts).
process.env.LABELWARP_RESOURCES = path.join(ROOT, 'resources');
const RENDERER_DIR = path.join(app.isPackaged ? path.join(process.resourcesPath, 'app.asar') : ROOT, 'renderer', 'dist');

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

/** A worker bundle in an Electron utility process (crash-isolated from the window and main process). */
function utilityLauncher<In, Out>(bundle: string, serviceName: string, execArgv: string[] = []): HostLauncher<In, Out> {
  return () => {
    const child = utilityProcess.fork(path.join(here, bundle), [], { serviceName, stdio: 'inherit', execArgv });
    return {
      pid: child.pid,
      send: (m) => child.postMessage(m),
      onMessage: (fn) => child.on('message', (m: Out) => fn(m)),
      onExit: (fn) => child.on('exit', (code) => fn(`exit code ${code}`)),
      kill: () => void child.kill(),
    };
  };
}

let service: AppService;
let win: BrowserWindow | undefined;

async function pick(kind: PickKind, title?: string): Promise<string[] | null> {
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
  // Through the contract's own event, which the preload allows like every other.
  const send = (action: 'add-scans') => service.ctx.send('system.onMenu', { action });
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
                detail: 'Carries a labelled template’s labels onto new scans by deformable registration.',
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
  await win.loadURL(APP_INDEX);
}

app.whenReady().then(async () => {
  denyAllPermissions(session.defaultSession);
  serveAppProtocol(session.defaultSession.protocol, RENDERER_DIR);
  const resourcesDir = path.join(ROOT, 'resources');
  const roots = new AllowedRoots();
  await roots.add(resourcesDir, false);
  service = new AppService({
    stateDir: path.join(app.getPath('userData'), 'state'),
    resourcesDir,
    roots,
    host: new EngineHost(utilityLauncher<ToHost, FromHost>('engine-worker.mjs', 'LabelWarp engine host')),
    reader: new VolumeReader(utilityLauncher<ToReader, FromReader>('reader-worker.mjs', 'LabelWarp volume reader')),
    trainingHost: new TrainingHost(
      utilityLauncher<ToTrainer, FromTrainer>('training-worker.mjs', 'LabelWarp training host', [
        `--max-old-space-size=${trainingHeapMiB()}`,
      ]),
    ),
    pick,
  });
  await service.init();
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event, raw) => {
      if (!isTrustedSender(event, win?.webContents)) throw new Error('request from an unknown window or frame');
      try {
        return await service.call(channel, raw);
      } catch (err) {
        throw new Error(describeError(err));
      }
    });
  }
  service.on((name, payload) => win?.webContents.send(name, payload));
  buildMenu();
  await createWindow();
});

app.on('window-all-closed', () => {
  service?.dispose();
  app.quit();
});
