/** Types of scripts/build.mjs (for the tests that bundle the preload into a temp dir). */
import type { Metafile } from 'esbuild';

export declare const MAIN_EXTERNALS: string[];
export declare const PRELOAD_EXTERNALS: string[];
export declare function buildElectron(opts?: {
  outdir?: string;
  minify?: boolean;
}): Promise<{ main: Metafile; preload: Metafile; outdir: string }>;
