/**
 * electron-builder.yml, checked without building: valid against electron-builder's own schema, the four
 * targets, no publish or update step, file associations for exactly the photo types main opens, the
 * icons present and sound, and nothing main needs at run time excluded from the package.
 */
import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import sharp from 'sharp';
import { existsSync, readFileSync } from 'node:fs';
import { minimatch } from 'minimatch';
import { createRequire } from 'node:module';
import { PHOTO_EXTENSIONS } from '../../../electron/main/paths';
import { fileAssociations } from '../../../shared/formats';

// js-yaml ships no types; electron-builder itself reads the file with it.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
const config = yaml.load(readFileSync('electron-builder.yml', 'utf8')) as Record<string, unknown> & {
  files: string[];
  fileAssociations: { ext: string | string[]; mimeType: string }[];
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[] };
  electronFuses: Record<string, boolean>;
};
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

describe('electron-builder.yml', () => {
  it('is valid for electron-builder', () => {
    const schema = JSON.parse(readFileSync('node_modules/app-builder-lib/scheme.json', 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    // npm run dist builds, then runs electron-builder with this file (scripts/dist.ts).
    expect(pkg.scripts.dist).toBe('tsx scripts/dist.ts');
    expect(readFileSync('scripts/dist.ts', 'utf8')).toContain("['--config', 'electron-builder.yml'");
  });

  it('builds AppImage and deb, NSIS and dmg', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
  });

  it('has no auto-update and no publish step', () => {
    expect(config.publish).toBeNull();
    expect(config.detectUpdateChannel).toBe(false);
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    expect(Object.keys(deps).filter((d) => /updater|update-electron-app|squirrel/.test(d))).toEqual([]);
  });

  it('locks Electron down with fuses (no ELECTRON_RUN_AS_NODE, no NODE_OPTIONS, no --inspect)', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('associates exactly the rows of the format table that name an association, all of which main opens', () => {
    expect(config.fileAssociations).toEqual(fileAssociations());
    const exts = config.fileAssociations.flatMap((a) => (Array.isArray(a.ext) ? a.ext : [a.ext]));
    for (const e of exts) expect(PHOTO_EXTENSIONS).toContain(e);
    for (const a of config.fileAssociations) expect(a.mimeType).toMatch(/^image\//);
    expect(exts).not.toContain('heic');
  });

  it('packages main, preload and renderer, and keeps every module main loads', () => {
    expect(pkg.main).toBe('dist/electron/main.js');
    const included = (p: string) => {
      let inc = false;
      for (const pattern of config.files) {
        if (pattern.startsWith('!')) {
          if (minimatch(p, pattern.slice(1), { dot: true })) inc = false;
        } else if (minimatch(p, pattern, { dot: true })) inc = true;
      }
      return inc;
    };
    for (const f of [
      'dist/electron/main.js',
      'dist/electron/preload.cjs',
      'dist/renderer/index.html',
      'dist/renderer/assets/inter.woff2',
    ]) {
      expect(included(f), f).toBe(true);
    }
    expect(included('dist/electron/main.js.map')).toBe(false);
    // node_modules are added by electron-builder from "dependencies"; the patterns may only drop renderer-only ones.
    const files = config.files.filter((f) => f.startsWith('!node_modules'));
    for (const runtime of [
      'sharp',
      'undici',
      'zod',
      'electron-store',
      'conf',
      'ajv',
      '@img/sharp-linux-x64',
    ]) {
      const p = `node_modules/${runtime}/package.json`;
      expect(
        files.some((f) => minimatch(p, f.slice(1), { dot: true })),
        runtime,
      ).toBe(false);
    }
    expect(files.some((f) => minimatch('node_modules/react-dom/index.js', f.slice(1)))).toBe(true);
  });

  it('has the icons, generated from the SVG, at the sizes each platform wants', async () => {
    expect(existsSync('assets/icons/app-icon.svg')).toBe(true);
    const big = await sharp('build/icon.png').metadata();
    expect([big.width, big.height, big.format]).toEqual([1024, 1024, 'png']);
    for (const s of [16, 32, 48, 64, 128, 256, 512]) {
      const m = await sharp(`build/icons/${s}x${s}.png`).metadata();
      expect([m.width, m.height], `${s}px`).toEqual([s, s]);
    }
    const ico = readFileSync('build/icon.ico');
    expect(ico.readUInt16LE(2)).toBe(1); // icon type
    const count = ico.readUInt16LE(4);
    const sizes = Array.from({ length: count }, (_, i) => ico.readUInt8(6 + 16 * i) || 256);
    expect(sizes).toContain(256);
    expect(sizes).toContain(16);
    for (let i = 0; i < count; i++) {
      const off = ico.readUInt32LE(6 + 16 * i + 12);
      expect(ico.subarray(off, off + 4).toString('latin1')).toBe('\x89PNG');
    }
  });
});
