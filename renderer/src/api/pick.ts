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
  resolve: (paths: string[] | null) => void;
}

/** The open browser dialog (browser mode), if any. */
export const browsing = reactive<{ request: BrowseRequest | null }>({ request: null });

export function pickPaths(kind: PickKind, title: string): Promise<string[] | null> {
  if (inElectron) return api.system.pick({ kind, title });
  browsing.request?.resolve(null);
  return new Promise((resolve) => {
    browsing.request = {
      kind,
      title,
      resolve: (paths) => {
        browsing.request = null;
        resolve(paths);
      },
    };
  });
}
