/**
 * The architecture's import arrows (docs/architecture.md, "Layers") are lint errors: for every layer, an
 * import of each folder it may not reach is reported by ESLint's no-restricted-imports, and an import of
 * each folder it may reach is not. The arrows are written out here independently of eslint.config.js, so
 * a rule dropped from the config fails this test.
 */
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const FOLDERS = ['shared', 'core', 'electron', 'cli', 'dev', 'sim', 'renderer', 'test', 'bench'] as const;
type Folder = (typeof FOLDERS)[number];

/** renderer → shared ← core ← {electron, cli, dev}; sim → shared; dev → sim; cli → dev. */
const MAY: Record<Exclude<Folder, 'test' | 'bench'>, Folder[]> = {
  shared: [],
  core: ['shared'],
  electron: ['shared', 'core'],
  cli: ['shared', 'core', 'dev'],
  dev: ['shared', 'core', 'sim'],
  sim: ['shared'],
  renderer: ['shared'],
};

const eslint = new ESLint();

async function restrictedIn(folder: string, code: string): Promise<string[]> {
  const ext = folder === 'renderer' ? 'tsx' : 'ts';
  const [res] = await eslint.lintText(code, { filePath: `${folder}/deep/probe.${ext}` });
  return (res?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('lint enforces every layer arrow', () => {
  for (const [layer, may] of Object.entries(MAY)) {
    for (const target of FOLDERS) {
      if (target === layer) continue;
      const allowed = may.includes(target);
      it(`${layer}/ ${allowed ? 'may' : 'may not'} import ${target}/`, async () => {
        const msgs = await restrictedIn(
          layer,
          `import { x } from '../../${target}/thing';\nexport const y = x;\n`,
        );
        if (allowed) expect(msgs).toEqual([]);
        else expect(msgs.length).toBeGreaterThan(0);
      });
    }
  }

  it.each(['shared', 'core', 'cli', 'dev', 'sim'])(
    '%s/ may not import the electron package',
    async (layer) => {
      const msgs = await restrictedIn(layer, `import { app } from 'electron';\nexport const y = app;\n`);
      expect(msgs.length).toBeGreaterThan(0);
    },
  );

  it.each(['shared', 'renderer'])('%s/ may not import Node built-ins', async (layer) => {
    const msgs = await restrictedIn(layer, `import fs from 'node:fs';\nexport const y = fs;\n`);
    expect(msgs.length).toBeGreaterThan(0);
  });

  it('core/ may import Node built-ins and its own subfolders', async () => {
    const msgs = await restrictedIn(
      'core',
      `import fs from 'node:fs';\nimport { a } from '../device/link';\nexport const y = [fs, a];\n`,
    );
    expect(msgs).toEqual([]);
  });
});
