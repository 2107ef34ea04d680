/** Opening the Salesforce login page in the system browser for the CLI's PKCE login. */
import { spawn } from 'node:child_process';

/**
 * Prints the login URL on stderr (for copying when no browser opens) and opens it in the system
 * browser: `open` (macOS), `rundll32 url.dll,FileProtocolHandler` (Windows), `xdg-open` (elsewhere).
 * No shell is involved: the URL is one argument, never interpreted. Resolves once the opener started
 * (or could not start: the printed URL still works); never rejects.
 */
export function openInBrowser(url: string): Promise<void> {
  process.stderr.write(
    `Opening the Salesforce login in your browser. If it does not open, visit:\n  ${url}\n`,
  );
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.once('error', () => resolve());
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/**
 * True when this machine can show a browser to the operator: macOS and Windows always can; elsewhere
 * only with a graphical session (`DISPLAY` for X11 or `WAYLAND_DISPLAY` for Wayland set).
 */
export function canOpenBrowser(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Prints the login URL on stderr only (`org login --print-url`: no browser on this machine). */
export function printLoginUrl(url: string): Promise<void> {
  process.stderr.write(
    `Open this Salesforce login address in a browser that reaches this station (e.g. through an SSH tunnel to its loopback port):\n  ${url}\n`,
  );
  return Promise.resolve();
}
