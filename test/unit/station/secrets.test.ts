import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileVault } from '../../../core/secrets';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

describe('FileVault (CLI secret store)', () => {
  it('round-trips secrets across instances and never writes them in clear', async () => {
    const home = tmp();
    const v = FileVault.inHome(home, 'a long passphrase');
    await v.set('salesforce.refreshToken', '5Aep861-very-secret-refresh-token');
    const again = FileVault.inHome(home, 'a long passphrase');
    expect(await again.get('salesforce.refreshToken')).toBe('5Aep861-very-secret-refresh-token');
    const raw = fs.readFileSync(path.join(home, 'secrets.vault'), 'utf8');
    expect(raw).not.toContain('very-secret');
    expect(raw).not.toContain('refreshToken');
    expect(fs.statSync(path.join(home, 'secrets.vault')).mode & 0o077).toBe(0);
  });

  it('refuses a wrong passphrase with what to do', async () => {
    const home = tmp();
    await FileVault.inHome(home, 'a long passphrase').set('k', 'v');
    await expect(FileVault.inHome(home, 'not the passphrase').get('k')).rejects.toMatchObject({
      code: 'SECRET_STORE_UNAVAILABLE',
      remedy: expect.stringContaining('ASSET_STATION_VAULT_PASSPHRASE'),
    });
  });

  it('detects an altered vault file (GCM authentication)', async () => {
    const home = tmp();
    await FileVault.inHome(home, 'a long passphrase').set('k', 'value');
    const file = path.join(home, 'secrets.vault');
    const body = JSON.parse(fs.readFileSync(file, 'utf8')) as { ct: string };
    const ct = Buffer.from(body.ct, 'base64');
    ct[0] = ct[0]! ^ 0x01;
    body.ct = ct.toString('base64');
    fs.writeFileSync(file, JSON.stringify(body));
    await expect(FileVault.inHome(home, 'a long passphrase').get('k')).rejects.toMatchObject({
      code: 'SECRET_STORE_UNAVAILABLE',
    });
  });

  it('refuses a passphrase shorter than 8 characters', () => {
    expect(() => FileVault.inHome(tmp(), 'short')).toThrow(/shorter than 8 characters/);
  });
});
