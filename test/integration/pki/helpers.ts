/**
 * Shared set-up of the PKI tests: temporary folders removed after the file's tests, and an in-memory
 * SecretStore (the FileVault is exercised on its own; scrypt is slow on purpose).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { SecretStore } from '../../../core/secrets';

/**
 * Returns a function that makes a fresh folder under the OS temp folder (name starting `prefix`);
 * every folder it made, and any in `extra`, is removed after the calling test file's tests.
 * Call it at the top level of a test file (it registers an `afterAll`).
 */
export function tempDirs(prefix: string, extra: string[] = []): () => string {
  const dirs = [...extra];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}

/** An in-memory SecretStore; `map` exposes what was stored (name → value). */
export function memoryStore(): SecretStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    description: 'memory store',
    get: async (n) => map.get(n),
    set: async (n, v) => void map.set(n, v),
    delete: async (n) => void map.delete(n),
  };
}
