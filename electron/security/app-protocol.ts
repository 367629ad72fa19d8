/**
 * The desktop app's pages come from a privileged custom scheme, `app://labelwarp/`, instead of
 * `file://`: a page then has a real origin of its own (no access to other local files through
 * file-URL privileges), gets the same security headers as browser mode, and the main process can
 * tell its own frames from anything else by URL.
 */
import { promises as fs } from 'node:fs';
import type { Protocol } from 'electron';
import { securityHeaders } from './csp.js';
import { contentType, staticFile } from './static-files.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'labelwarp';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX = `${APP_ORIGIN}/index.html`;

/** For protocol.registerSchemesAsPrivileged, before the app is ready. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
};

/** Whether a frame's URL is one of the app's own pages. */
export function isAppUrl(url: string | undefined): boolean {
  return typeof url === 'string' && url.startsWith(`${APP_ORIGIN}/`);
}

/** Serves `rendererDir` (the built interface) on app://labelwarp/. */
export function serveAppProtocol(protocol: Protocol, rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST || request.method !== 'GET') return new Response('forbidden', { status: 403 });
    const file = staticFile(rendererDir, url.pathname);
    if (file === 'bad-request') return new Response('bad request', { status: 400 });
    if (file === 'forbidden') return new Response('forbidden', { status: 403 });
    const body = await fs.readFile(file).catch(() => undefined);
    if (!body) return new Response('not found', { status: 404 });
    return new Response(new Uint8Array(body), { headers: { ...securityHeaders(), 'content-type': contentType(file) } });
  });
}
