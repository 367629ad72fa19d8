/**
 * Which IPC senders the main process answers: the app's own window, from its main frame, showing
 * one of the app's own pages. A subframe, a navigated-away page or another window gets nothing.
 */
import { isAppUrl } from './app-protocol.js';

interface Frame {
  url: string;
}
interface Contents {
  mainFrame: Frame;
}

export function isTrustedSender(
  event: { sender: unknown; senderFrame: Frame | null | undefined },
  contents: Contents | undefined,
): boolean {
  const frame = event.senderFrame;
  return Boolean(contents && event.sender === contents && frame && frame === contents.mainFrame && isAppUrl(frame.url));
}
