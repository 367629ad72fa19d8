/**
 * Who may talk to the browser-mode server: the Host header must name loopback (DNS-rebinding
 * guard) unless remote access was asked for, and a browser's WebSocket upgrade must come from the
 * app's own origin. `SameSite` cookies do not separate ports, so a page on another port of
 * 127.0.0.1 would otherwise open the app's socket with the app's cookie (cross-site WebSocket
 * hijacking).
 */
import type http from 'node:http';

export const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The Host header's name, without port and IPv6 brackets. */
export function hostName(req: http.IncomingMessage): string {
  return (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
}

export function hostAllowed(req: http.IncomingMessage, allowRemote: boolean): boolean {
  return allowRemote || LOOPBACK.has(hostName(req));
}

/** `http://<Host header>`: the origin of the pages this server serves under that name. */
export function ownOrigin(req: http.IncomingMessage): string | undefined {
  const host = req.headers.host ?? '';
  if (!/^[A-Za-z0-9.\-[\]:]{1,300}$/.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).origin;
  } catch {
    return undefined;
  }
}

/**
 * Browsers always send Origin on a WebSocket upgrade: it must be the app's own. Clients that are
 * not browsers send none and are judged by the token alone.
 */
export function originAllowed(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const own = ownOrigin(req);
  if (!own) return false;
  try {
    return new URL(origin).origin === own;
  } catch {
    return false;
  }
}
