/**
 * Picking files and folders: Electron's native dialog, or in browser mode the server's folder
 * browser (FileBrowser.vue over the `files` service, which answers only inside the allowed
 * folders). Either way the caller gets absolute paths, or null when the user cancelled.
 */
import { reactive } from 'vue';
import type { PickKind } from '../../../core/ipc/contract';
import { api, inElectron } from './client';

export interface BrowseRequest {
  kind: PickKind;
  title: string;
  /** A folder to write into (an export): read-only folders cannot be chosen. */
  write?: boolean;
  resolve: (paths: string[] | null) => void;
}

/** The open browser dialog (browser mode), if any. */
export const browsing = reactive<{ request: BrowseRequest | null }>({ request: null });

export function pickPaths(kind: PickKind, title: string, write = false): Promise<string[] | null> {
  if (inElectron) return api.system.pick({ kind, title });
  browsing.request?.resolve(null);
  return new Promise((resolve) => {
    browsing.request = {
      kind,
      title,
      write,
      resolve: (paths) => {
        browsing.request = null;
        resolve(paths);
      },
    };
  });
}
