/**
 * Helpers for the device SDK's integration tests: build device-sdk/ with its Makefile (each test
 * file into its own folder under device-sdk/build/, which git ignores), read the TAP lines the C
 * tests print, start `as-agent` on a PTY, and give it a SoftHSM2 token in a temporary folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export const SDK_DIR = path.resolve(__dirname, '../../../device-sdk');
export const REPO_DIR = path.resolve(__dirname, '../../..');
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const TOKEN_PIN = '1234';

/** Debian packages the C tests need (installed by .ci/run). */
const TOOLS: Array<[string, string]> = [
  ['make', 'make'],
  ['gcc', 'gcc'],
  ['clang', 'clang'],
  ['arm-none-eabi-gcc', 'gcc-arm-none-eabi'],
  ['softhsm2-util', 'softhsm2'],
  ['pkcs11-tool', 'opensc'],
];

/** Throws a clear error naming the Debian package when a tool is missing. */
export function requireTools(): void {
  const missing = TOOLS.filter(([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
  if (!fs.existsSync('/usr/include/mbedtls/config.h')) missing.push(['mbedtls headers', 'libmbedtls-dev']);
  if (missing.length)
    throw new Error(
      `The device SDK tests need ${missing.map(([b]) => b).join(', ')}: install the Debian packages ` +
        `${missing.map(([, p]) => p).join(' ')} (sudo apt-get install …; .ci/run does it).`,
    );
}

/** Runs `make` in device-sdk/ with BUILD=build/<buildName>; returns its status and output. */
export function make(buildName: string, targets: string[], extra: string[] = []) {
  const r = spawnSync('make', ['-j2', `BUILD=build/${buildName}`, ...extra, ...targets], {
    cwd: SDK_DIR,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The absolute path of a build output. */
export function built(buildName: string, file: string): string {
  return path.join(SDK_DIR, 'build', buildName, file);
}

/** One test case of a C test program (a TAP line). */
export interface CCase {
  name: string;
  ok: boolean;
  detail: string;
}

/** Parses the TAP lines (`ok N - name`, `not ok N - name # why`) a C test program printed. */
export function parseTap(stdout: string): CCase[] {
  const out: CCase[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(ok|not ok) \d+ - (.*?)(?: # (.*))?$/.exec(line);
    if (m) out.push({ ok: m[1] === 'ok', name: m[2]!, detail: m[3] ?? '' });
  }
  return out;
}

/** Creates a SoftHSM2 token labelled `label` in `dir`; returns the env that points SoftHSM at it. */
export function softhsmToken(dir: string, label: string): NodeJS.ProcessEnv {
  fs.mkdirSync(path.join(dir, 'tokens'), { recursive: true });
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const r = spawnSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--so-pin', '12345678', '--pin', TOKEN_PIN],
    { env, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`softhsm2-util failed: ${r.stderr}`);
  return env;
}

/** A running as-agent. */
export interface Agent {
  proc: ChildProcess;
  /** The symlink to its PTY (pass `serial:<link>` to the station). */
  link: string;
  /** Everything it printed. */
  output(): string;
  /** SIGTERM, then the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

/** Starts as-agent with `args` (plus --pty --link) and waits for its ready line. */
export async function startAgent(
  binary: string,
  link: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<Agent> {
  const proc = spawn(binary, ['--pty', '--link', link, ...args], {
    env: { ...env, ASAN_OPTIONS: 'abort_on_error=0:exitcode=23' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  proc.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const lines = readline.createInterface({ input: proc.stdout! });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`as-agent did not start: ${text}`)), 15_000);
    lines.on('line', (l) => {
      text += l + '\n';
      if (l.startsWith('as-agent ready:')) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`as-agent exited (${code}): ${text}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return {
    proc,
    link,
    output: () => text,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs the station CLI (bin/asset-station.js) asynchronously; resolves with status and output. */
export function stationCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_DIR, 'bin', 'asset-station.js'), ...args], {
      cwd: REPO_DIR,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
