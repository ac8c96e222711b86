/**
 * The lint rule that keeps each layer to the layers it may import (eslint.config.js `layers`): every crossing
 * is an error, every allowed import is not. Linted as text at a path inside each layer, so no file is written.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: root });

async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'maskroom/layering').map((m) => m.message);
}

/** [file inside a layer, import specifier, allowed?] */
const cases: Array<[string, string, boolean]> = [
  ['electron/core/x.ts', '../../shared/contract', true],
  ['electron/core/x.ts', './pipeline', true],
  ['electron/core/x.ts', '../main/window', false],
  ['electron/core/x.ts', '../hosts/cli', false],
  ['electron/core/x.ts', '../preload/preload-api', false],
  ['electron/core/x.ts', '../../renderer/App', false],
  ['electron/core/project/x.ts', '../../main/secrets', false],
  ['electron/hosts/x.ts', '../core/app', true],
  ['electron/hosts/x.ts', '../main/menu', false],
  ['electron/main/x.ts', '../core/app', true],
  ['electron/main/x.ts', '../hosts/web-host', false],
  ['electron/main/x.ts', '../preload/preload-api', false],
  ['electron/preload/x.ts', '../../shared/bridge', true],
  ['electron/preload/x.ts', '../core/settings', false],
  ['renderer/x.ts', '../shared/contract', true],
  ['renderer/components/x.tsx', '../../electron/core/imaging', false],
  ['shared/x.ts', '../electron/core/app', false],
  ['shared/x.ts', '../renderer/App', false],
];

describe('layering lint rule', () => {
  it.each(cases)('%s importing %s: allowed %s', async (file, spec, allowed) => {
    const errors = await layeringErrors(file, `import { x } from '${spec}';\nexport const y = x;\n`);
    if (allowed) expect(errors).toEqual([]);
    else expect(errors).toEqual([expect.stringMatching(/may not import/)]);
  });

  it("allows the 'electron' package only where code runs inside Electron", async () => {
    const code = "import { app } from 'electron';\nexport const a = app;\n";
    expect(await layeringErrors('electron/main/x.ts', code)).toEqual([]);
    expect(await layeringErrors('electron/preload/x.ts', code)).toEqual([]);
    for (const file of ['electron/core/x.ts', 'electron/hosts/x.ts', 'shared/x.ts', 'renderer/x.ts'])
      expect(await layeringErrors(file, code)).toEqual([expect.stringMatching(/without Electron/)]);
  });

  it('sees re-exports and dynamic imports too', async () => {
    expect(await layeringErrors('electron/core/x.ts', "export * from '../main/window';\n")).toHaveLength(1);
    expect(
      await layeringErrors('electron/core/x.ts', "export const m = () => import('../main/window');\n"),
    ).toHaveLength(1);
  });
});
