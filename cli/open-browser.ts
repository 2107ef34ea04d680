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
