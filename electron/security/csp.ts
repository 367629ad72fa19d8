/**
 * The Content-Security-Policy of the app's pages, sent as a response header by both the
 * browser-mode server and the Electron protocol handler. `frame-ancestors` and the like work only
 * in a header (a `<meta>` policy ignores them and Chromium reports them as console errors), so the
 * page's own `<meta>` policy (renderer/index.html) leaves them out.
 */
export function contentSecurityPolicy(connectSrc: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src ${["'self'", ...connectSrc].join(' ')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers sent with every page and asset of the app. */
export function securityHeaders(connectSrc: string[] = []): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(connectSrc),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
    'cross-origin-resource-policy': 'same-origin',
  };
}
