/**
 * The application menu as a plain template (Electron `Menu.buildFromTemplate` input). Reload and
 * DevTools appear only in development (unpacked) builds.
 */
import type { MenuItemConstructorOptions } from 'electron';

/** Builds the menu template. `isMac` adds the app menu; `devTools` adds Reload and Toggle DevTools. */
export function menuTemplate(opts: { isMac: boolean; devTools: boolean }): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (opts.devTools) view.unshift({ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' });
  return [
    ...(opts.isMac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []),
    { label: 'File', submenu: [opts.isMac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ];
}
