/**
 * Node ESM resolve hook for the Playwright workers: the station core is written for tsx/bundler
 * resolution, which accepts extensionless package subpaths (e.g. `jsforce/lib/transport`); plain
 * Node ESM does not. On "module not found" for a bare package subpath, retry with `.js`.
 * Everything else (TypeScript transform, source maps) stays with Playwright's own loader.
 */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    const bareSubpath = /^(@[^/]+\/)?[^./][^/]*\/.+/.test(specifier) && !/\.[cm]?js$/.test(specifier);
    if (bareSubpath && e && e.code === 'ERR_MODULE_NOT_FOUND') return nextResolve(`${specifier}.js`, context);
    throw e;
  }
}
