/**
 * One bad connection must never take the server down. The `ws` library answers a malformed frame
 * (unmasked, reserved bits or opcode, bad UTF-8, a length over the limit) by closing that
 * connection with the matching status code (1002, 1007, 1009) and emitting 'error'; without a
 * listener that 'error' is thrown and ends the process. These guards listen on every socket and
 * WebSocket, so only the offending connection closes.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** The raw socket of an upgrade request, before (or instead of) the WebSocket handshake. */
export function guardUpgradeSocket(socket: Duplex): void {
  socket.on('error', () => socket.destroy());
}

/** An open WebSocket: an error closes this connection and nothing else. */
export function guardWebSocket(ws: WebSocket, onError?: (err: Error) => void): void {
  ws.on('error', (err) => {
    onError?.(err);
    // ws has already started the close with the right status code; make sure the socket goes.
    if (ws.readyState !== ws.CLOSED) setTimeout(() => ws.terminate(), 1000).unref();
  });
}

/** Refuses an upgrade with an HTTP status and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: 400 | 401 | 403, reason: string): void {
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden' }[status];
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}
