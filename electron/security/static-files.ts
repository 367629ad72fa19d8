/**
 * The app's static files (renderer/dist), served by the browser-mode server and by the Electron
 * `app:` protocol: URL path → file inside the folder (never outside it), and its content type.
 */
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file for a URL path (still %-encoded) inside `root`, or 'bad-request' for a malformed
 * escape, or 'forbidden' for anything that leaves the folder (`..`, encoded separators, NUL).
 */
export function staticFile(root: string, urlPath: string): string | 'bad-request' | 'forbidden' {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return 'bad-request';
  }
  if (rel.includes('\0') || rel.includes('\\')) return 'forbidden';
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + rel);
  return file.startsWith(base + path.sep) ? file : 'forbidden';
}
