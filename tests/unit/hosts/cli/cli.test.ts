import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { ProjectStore, MANIFEST_FILE } from '../../../../electron/core/project';
import { loadPhoto } from '../../../../electron/core/imaging';
import { HELP } from '../../../../electron/hosts/cli';
import {
  dilate,
  envFor,
  fixturePath,
  readMask,
  runCli,
  tempDir,
  writeEllipseMask,
  type CliRun,
  cliArgs,
} from './helpers';

let fake: FakeSegmind;
let work: string;
const PHOTO = fixturePath('rocket.jpg'); // 640x427 with an Adobe RGB profile
const W = 640;
const H = 427;

beforeAll(async () => {
  fake = await startFakeSegmind({ latencyMs: 100 });
  work = await tempDir();
  await writeEllipseMask(path.join(work, 'mask-a.png'), W, H, 160, 150, 70, 50);
  await writeEllipseMask(path.join(work, 'mask-b.png'), W, H, 480, 300, 60, 60);
});
afterAll(async () => {
  await fake?.close();
});

/** `maskroom edit` that creates a project at `dir` from PHOTO: one low-quality edit inside mask A. */
function createProject(dir: string, env: Record<string, string>): Promise<CliRun> {
  return runCli(
    cliArgs('edit', {
      project: dir,
      image: PHOTO,
      mask: path.join(work, 'mask-a.png'),
      prompt: 'x',
      quality: 'low',
    }),
    { env },
  );
}

interface HistoryJson {
  width: number;
  height: number;
  layers: Array<{
    id: string;
    prompt: string;
    visible: boolean;
    rect: { x: number; y: number; width: number; height: number };
    createdAt: string;
    requestId: string | null;
    params: Record<string, unknown>;
    feather: number;
    sent: { apiSize: string };
  }>;
}

describe('maskroom CLI end to end (fake Segmind)', () => {
  it('creates a project, runs two edits, lists them, hides one, and exports pixels equal to the original outside every mask', async () => {
    const dir = path.join(work, 'proj');
    const env = envFor(fake);
    const e1 = await runCli(
      cliArgs('edit', {
        project: dir,
        image: PHOTO,
        mask: path.join(work, 'mask-a.png'),
        prompt: 'a red balloon',
        quality: 'low',
        feather: '6',
        json: true,
      }),
      { env },
    );
    expect(e1.stderr).toBe('');
    expect(e1.code).toBe(0);
    const out1 = JSON.parse(e1.stdout) as { layer: { id: string; requestId: string } };
    expect(out1.layer.requestId).toBeTruthy();
    const e2 = await runCli(
      cliArgs('edit', {
        project: dir,
        mask: path.join(work, 'mask-b.png'),
        prompt: 'a green moon',
        size: '1536x1024',
        quality: 'medium',
        background: 'opaque',
        'output-format': 'webp',
        'output-compression': '80',
        moderation: 'low',
        feather: '3',
        mode: 'async',
        timeout: '60',
      }),
      { env },
    );
    expect(e2.code).toBe(0);
    expect(e2.stdout).toMatch(/^Added layer \S+ to /);

    const h = await runCli(['history', '--project', dir, '--json'], { env });
    expect(h.code).toBe(0);
    const hist = JSON.parse(h.stdout) as HistoryJson;
    expect(hist).toMatchObject({ width: W, height: H });
    expect(hist.layers.map((l) => l.prompt)).toEqual(['a red balloon', 'a green moon']);
    for (const l of hist.layers) {
      expect(Object.keys(l)).toEqual(
        expect.arrayContaining(['id', 'prompt', 'visible', 'rect', 'createdAt', 'requestId']),
      );
      expect(l.visible).toBe(true);
      expect(l.requestId).toEqual(expect.any(String));
    }
    expect(hist.layers[0]).toMatchObject({ feather: 6, params: { quality: 'low', size: 'auto' } });
    expect(hist.layers[1]).toMatchObject({
      feather: 3,
      params: {
        size: '1536x1024',
        quality: 'medium',
        outputFormat: 'webp',
        outputCompression: 80,
        moderation: 'low',
      },
      sent: { apiSize: '1536x1024' },
    });
    // What the service received matches what history recorded.
    const bodies = fake.submitted.slice(-2).map((s) => s.body);
    expect(bodies[1]).toMatchObject({
      size: '1536x1024',
      quality: 'medium',
      output_format: 'webp',
      output_compression: 80,
      moderation: 'low',
    });
    const text = await runCli(['history', '--project', dir], { env });
    expect(text.stdout).toContain('a green moon');
    expect(text.stdout).toContain('quality medium');

    // Hide the first layer (as the app's history panel does), then export.
    const store = await ProjectStore.open(dir);
    await store.setVisible(hist.layers[0]!.id, false);
    await store.close();
    const outFile = path.join(work, 'out.png');
    const ex = await runCli(['export', '--project', dir, '--out', outFile], { env });
    expect(ex.code).toBe(0);

    const original = await loadPhoto(new Uint8Array(await fs.readFile(PHOTO)));
    const exported = await loadPhoto(new Uint8Array(await fs.readFile(outFile)));
    expect([exported.width, exported.height]).toEqual([W, H]);
    expect(exported.icc?.length).toBe(original.icc?.length);
    // How far a feathered blend reaches beyond the mask: grown by the feather, then blurred (docs/imaging.md).
    const reach = (f: number) => Math.ceil(f) + 3 * Math.round(f / 2) + 1;
    const reachA = dilate(await readMask(path.join(work, 'mask-a.png')), reach(6));
    const reachB = dilate(await readMask(path.join(work, 'mask-b.png')), reach(3));
    let outsideChecked = 0;
    let changedInB = 0;
    let changedInA = 0;
    for (let i = 0; i < W * H; i++) {
      const same = [0, 1, 2].every((c) => exported.pixels[i * 3 + c] === original.pixels[i * 3 + c]);
      if (!reachA[i] && !reachB[i]) {
        outsideChecked++;
        if (!same) throw new Error(`pixel ${i % W},${Math.floor(i / W)} changed outside every mask`);
      } else if (reachB[i]) {
        if (!same) changedInB++;
      } else if (!same) changedInA++;
    }
    expect(outsideChecked).toBeGreaterThan(W * H * 0.8);
    expect(changedInB).toBeGreaterThan(5000); // the visible edit is there
    expect(changedInA).toBe(0); // the hidden one is not
    // The original photo in the project is byte for byte the input.
    const m = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'));
    expect(Buffer.compare(await fs.readFile(path.join(dir, m.original.file)), await fs.readFile(PHOTO))).toBe(
      0,
    );
    // The key is nowhere in the project.
    for (const f of await fs.readdir(dir, { recursive: true })) {
      const p = path.join(dir, String(f));
      if ((await fs.stat(p)).isFile()) expect((await fs.readFile(p)).includes(fake.apiKey)).toBe(false);
    }
  }, 90_000);

  it('fails with exit 1 and one line on stderr, leaving the project unchanged', async () => {
    const dir = path.join(work, 'fail');
    const env = envFor(fake);
    const ok = await createProject(dir, env);
    expect(ok.code).toBe(0);
    const before = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
    fake.setFault({ name: '422', endpoint: 'status', reason: 'moderation_blocked' });
    try {
      const r = await runCli(
        ['edit', '--project', dir, '--mask', path.join(work, 'mask-b.png'), '--prompt', 'blocked'],
        { env },
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^maskroom: .*moderation_blocked/);
    } finally {
      fake.setFault(null);
    }
    expect(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')).toBe(before);
    expect(await fs.readdir(path.join(dir, 'journal'))).toEqual([]);

    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [
        ['edit', '--project', dir, '--mask', path.join(work, 'mask-a.png'), '--prompt', 'x'],
        { SEGMIND_API_KEY: '' },
        /SEGMIND_API_KEY/,
      ],
      [
        [
          'edit',
          '--project',
          path.join(work, 'none'),
          '--mask',
          path.join(work, 'mask-a.png'),
          '--prompt',
          'x',
        ],
        {},
        /--image/,
      ],
      [
        [
          'edit',
          '--project',
          dir,
          '--mask',
          path.join(work, 'mask-a.png'),
          '--prompt',
          'x',
          '--quality',
          'ultra',
        ],
        {},
        /--quality must be one of/,
      ],
      [['edit', '--project', dir, '--mask', fixturePath('coffee.png'), '--prompt', 'x'], {}, /mask/i],
      [
        ['export', '--project', dir, '--out', path.join(work, 'out.bmp')],
        {},
        /\.jpg, \.jpeg, \.png, \.tif, \.tiff, \.webp or \.psd\./,
      ],
      [['frobnicate'], {}, /Unknown command/],
      [['history', '--project', dir, '--nope'], {}, /Unknown option --nope/],
    ];
    for (const [args, extra, re] of cases) {
      const r = await runCli(args, { env: { ...env, ...extra } });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(re);
    }
    expect(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')).toBe(before);
  }, 90_000);

  it('reports a corrupt or newer project clearly and never touches the photo', async () => {
    const dir = path.join(work, 'corrupt');
    const env = envFor(fake);
    expect((await createProject(dir, env)).code).toBe(0);
    const manifest = path.join(dir, MANIFEST_FILE);
    const good = await fs.readFile(manifest, 'utf8');
    await fs.writeFile(manifest, good.slice(0, 100));
    for (const cmd of [
      ['history'],
      ['export', '--out', path.join(work, 'c.png')],
      ['edit', '--mask', path.join(work, 'mask-a.png'), '--prompt', 'y'],
    ]) {
      const r = await runCli([cmd[0]!, '--project', dir, ...cmd.slice(1)], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^maskroom: The project file .* is damaged .*original photo is untouched/);
    }
    const m = JSON.parse(good);
    m.schemaVersion = 2;
    await fs.writeFile(manifest, JSON.stringify(m));
    const r = await runCli(['history', '--project', dir], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/newer Maskroom/);
    expect(Buffer.compare(await fs.readFile(path.join(dir, m.original.file)), await fs.readFile(PHOTO))).toBe(
      0,
    );
  }, 60_000);

  it('tells a second process that the project is in use', async () => {
    const dir = path.join(work, 'locked');
    const env = envFor(fake);
    expect((await createProject(dir, env)).code).toBe(0);
    const holder = await ProjectStore.open(dir);
    try {
      const r = await runCli(
        ['edit', '--project', dir, '--mask', path.join(work, 'mask-b.png'), '--prompt', 'y'],
        { env },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^maskroom: This project is open in .*pid/);
      // Reading still works while another process holds the project.
      const h = await runCli(['history', '--project', dir, '--json'], { env });
      expect(h.code).toBe(0);
      expect(JSON.parse(h.stdout).layers).toHaveLength(1);
    } finally {
      await holder.close();
    }
  }, 60_000);

  it('documents every flag in --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(HELP);
    for (const flag of [
      '--project',
      '--image',
      '--mask',
      '--prompt',
      '--size',
      '--quality',
      '--background',
      '--output-format',
      '--output-compression',
      '--moderation',
      '--reference',
      '--feather',
      '--mode',
      '--timeout',
      '--json',
      '--out',
      '--help',
      '--version',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+(-\\w, )?${flag}\\b`, 'm'));
    }
    for (const cmd of ['edit', 'history', 'export', 'resume'])
      expect(r.stdout).toMatch(new RegExp(`maskroom ${cmd}\\b`));
  });
});
