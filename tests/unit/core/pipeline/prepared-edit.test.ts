/**
 * An edit's inputs built ahead of its project (prepareEdit: a new project's photo decoded before the
 * project exists; prepareRegionEdit: a new JPEG project's region decoded from the photo's bytes) are the
 * ones runEdit sends when they fit the job, byte for byte what it would have built
 * itself, and are ignored when they do not (another mask, another size option, a stack that is no longer
 * empty). The journal entry is still on disk before anything is sent, and a failure while the region is
 * decoded drops it again with nothing sent.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { EditParams } from '../../../../shared/contract';
import {
  originalRegionAhead,
  prepareEdit,
  prepareRegionEdit,
  runEdit,
} from '../../../../electron/core/pipeline';
import { ProjectSession } from '../../../../electron/core/project-session';
import { JOURNAL_DIR, ProjectStore } from '../../../../electron/core/project';
import { catProject, ellipseOn, fixture } from './fixtures';
import { clearPhotoCache, probePhoto } from '../../../../electron/core/imaging';
import { fakeApi } from './fake-api';
import { rng } from '../../../support/prng';

const deps = (api: ReturnType<typeof fakeApi>['api']) => ({
  api,
  transport: 'upload' as const,
  mode: 'async' as const,
});

describe('prepareEdit', () => {
  it('sends the inputs built ahead when they fit, the same bytes runEdit builds itself', async () => {
    const r = rng(77);
    for (let t = 0; t < 4; t++) {
      const params = EditParams.parse({ quality: 'low', size: t % 2 ? 'auto' : '1536x1024' });
      const own = await catProject('maskroom-prepared-own-');
      const ahead = await catProject('maskroom-prepared-ahead-');
      const cx = 60 + r() * 330;
      const cy = 50 + r() * 200;
      const rad = 10 + r() * 60;
      const mask = await ellipseOn(own.photo, cx, cy, rad, rad * (0.5 + r()));
      const a = fakeApi();
      await runEdit(
        own.session,
        { prompt: 'p', params, feather: 3, colorMatch: true, mask, references: [] },
        deps(a.api),
      );
      const prepared = prepareEdit(ahead.photo, mask, params);
      const region = vi.spyOn(ahead.session, 'editSource');
      const b = fakeApi();
      const layer = await runEdit(
        ahead.session,
        { prompt: 'p', params, feather: 3, colorMatch: true, mask, references: [], prepared },
        deps(b.api),
      );
      expect(region).not.toHaveBeenCalled();
      const [sentOwn] = a.calls;
      const [sentAhead] = b.calls;
      expect(Buffer.from(sentAhead!.image).equals(Buffer.from(sentOwn!.image)), `case ${t}`).toBe(true);
      expect(Buffer.from(sentAhead!.mask).equals(Buffer.from(sentOwn!.mask)), `case ${t}`).toBe(true);
      expect(layer.sent.plan).toEqual(prepared.plan);
      expect(layer.rect).toEqual(own.store.layers()[0]!.rect);
      await own.session.close();
      await ahead.session.close();
    }
  }, 60_000);

  it('is ignored for another mask, another size option or a stack that is no longer empty', async () => {
    const p = await catProject('maskroom-prepared-stale-');
    const params = EditParams.parse({ quality: 'low' });
    const mask = await ellipseOn(p.photo, 200, 150, 50, 40);
    const other = await ellipseOn(p.photo, 300, 100, 30, 30);
    const prepared = prepareEdit(p.photo, mask, params);
    const region = vi.spyOn(p.session, 'editSource');
    const { api, calls } = fakeApi();
    // Another mask than the one prepared: built from the session, for that mask.
    await runEdit(
      p.session,
      { prompt: 'a', params, feather: 2, colorMatch: true, mask: other, references: [], prepared },
      deps(api),
    );
    expect(region).toHaveBeenCalledTimes(1);
    expect(p.store.layers()[0]!.sent.plan).not.toEqual(prepared.plan);
    // The right mask, but the stack has a layer now: the prepared inputs show the photo without it.
    await runEdit(
      p.session,
      { prompt: 'b', params, feather: 2, colorMatch: true, mask, references: [], prepared },
      deps(api),
    );
    expect(region).toHaveBeenCalledTimes(2);
    // Another size option.
    const wide = EditParams.parse({ quality: 'low', size: '1536x1024' });
    const fresh = await catProject('maskroom-prepared-size-');
    const spy = vi.spyOn(fresh.session, 'editSource');
    await runEdit(
      fresh.session,
      { prompt: 'c', params: wide, feather: 2, colorMatch: true, mask, references: [], prepared },
      deps(api),
    );
    expect(spy).toHaveBeenCalledTimes(1);
    expect(fresh.store.layers()[0]!.sent.apiSize).toBe('1536x1024');
    expect(calls).toHaveLength(3);
    await p.session.close();
    await fresh.session.close();
  }, 60_000);
});

/** A new project in a fresh folder from a JPEG's bytes, as the CLI creates one. */
async function jpegProject(prefix: string, jpeg: Uint8Array, info: { width: number; height: number }) {
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), prefix)), 'p');
  const store = await ProjectStore.create(dir, {
    photo: jpeg,
    name: 'cat',
    width: info.width,
    height: info.height,
    format: 'jpeg',
  });
  return { dir, store };
}

describe('prepareRegionEdit', () => {
  it("sends what a new JPEG project's region edit sends, decoded from the photo's bytes before the project", async () => {
    const r = rng(78);
    const jpeg = new Uint8Array(
      await sharp(await fixture('chelsea.png'))
        .jpeg({ quality: 88 })
        .toBuffer(),
    );
    const info = await probePhoto(jpeg);
    for (let t = 0; t < 3; t++) {
      const params = EditParams.parse({ quality: 'low', size: t % 2 ? 'auto' : '1024x1536' });
      const mask = await ellipseOn(info, 40 + r() * 350, 40 + r() * 220, 10 + r() * 70, 10 + r() * 50);
      const sent: Array<{ image: Uint8Array; mask: Uint8Array; rect: unknown }> = [];
      for (const ahead of [false, true]) {
        clearPhotoCache();
        // Both ways tell their caller once that libvips is decoding the region (the CLI loads a module then).
        const told = { ahead: 0, session: 0 };
        const prepared = ahead
          ? prepareRegionEdit(jpeg, info.width, info.height, mask, params, () => told.ahead++)
          : undefined;
        const { store } = await jpegProject('maskroom-region-ahead-', jpeg, info);
        const session = new ProjectSession(store, {
          regionEdits: true,
          whileRegionDecodes: () => told.session++,
        });
        const region = vi.spyOn(session, 'editSource');
        const { api, calls } = fakeApi();
        const layer = await runEdit(
          session,
          {
            prompt: 'p',
            params,
            feather: 3,
            colorMatch: true,
            mask,
            references: [],
            ...(prepared ? { prepared } : {}),
          },
          deps(api),
        );
        expect(region).toHaveBeenCalledTimes(ahead ? 0 : 1);
        expect(told).toEqual(ahead ? { ahead: 1, session: 0 } : { ahead: 0, session: 1 });
        if (prepared) expect(layer.sent.plan).toEqual(prepared.plan);
        sent.push({ image: calls[0]!.image, mask: calls[0]!.mask, rect: layer.rect });
        await session.close();
      }
      expect(Buffer.from(sent[1]!.image).equals(Buffer.from(sent[0]!.image)), `case ${t}`).toBe(true);
      expect(Buffer.from(sent[1]!.mask).equals(Buffer.from(sent[0]!.mask)), `case ${t}`).toBe(true);
      expect(sent[1]!.rect, `case ${t}`).toEqual(sent[0]!.rect);
    }
  }, 60_000);
});

describe('originalRegionAhead', () => {
  it("gives an existing project's edit its region of the original, the same bytes sent, once", async () => {
    const jpeg = new Uint8Array(
      await sharp(await fixture('chelsea.png'))
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    const info = await probePhoto(jpeg);
    const params = EditParams.parse({ quality: 'low' });
    const first = await ellipseOn(info, 200, 150, 60, 40);
    const mask = await ellipseOn(info, 230, 160, 70, 50);
    const { dir, store } = await jpegProject('maskroom-original-ahead-', jpeg, info);
    // One layer under the new edit's region: the region is the original's, with that layer applied onto it.
    const made = new ProjectSession(store, { regionEdits: true });
    await runEdit(
      made,
      { prompt: 'a', params, feather: 3, colorMatch: true, mask: first, references: [] },
      deps(fakeApi().api),
    );
    await made.close();
    const sent: Array<{ image: Uint8Array; mask: Uint8Array }> = [];
    for (const withAhead of [false, true]) {
      clearPhotoCache();
      const copy = `${dir}-${withAhead}`;
      await fs.cp(dir, copy, { recursive: true });
      const opened = await ProjectStore.open(copy);
      const ahead = withAhead
        ? originalRegionAhead(
            fs.readFile(opened.originalPath()).then((b) => new Uint8Array(b)),
            info.width,
            info.height,
            mask,
            params,
          )
        : null;
      let asked = 0;
      const session = new ProjectSession(opened, {
        regionEdits: true,
        originalRegion: () => {
          asked++;
          return ahead;
        },
      });
      const read = vi.spyOn(opened, 'readOriginal');
      const { api, calls } = fakeApi();
      const layer = await runEdit(
        session,
        {
          prompt: 'b',
          params,
          feather: 3,
          colorMatch: true,
          mask,
          references: [],
          layerId: 'l_same',
          jobId: 'j_same',
        },
        deps(api),
      );
      // Asked once, and the region given is the plan's crop; the original is not read again when it was given.
      expect(asked).toBe(1);
      if (ahead) expect(ahead.plan.crop).toEqual(layer.sent.plan.crop);
      expect(read).toHaveBeenCalledTimes(withAhead ? 0 : 1);
      sent.push({ image: calls[0]!.image, mask: calls[0]!.mask });
      await session.close();
    }
    expect(Buffer.from(sent[1]!.image).equals(Buffer.from(sent[0]!.image))).toBe(true);
    expect(Buffer.from(sent[1]!.mask).equals(Buffer.from(sent[0]!.mask))).toBe(true);
  }, 60_000);
});

describe('regionEdits', () => {
  it('sends and commits what an edit from the whole current image does, over a stack of layers', async () => {
    const r = rng(31337);
    const p = await catProject('maskroom-region-edits-');
    const params = EditParams.parse({ quality: 'low' });
    const { api } = fakeApi();
    // A stack of three layers (the second over the first), then copies of the project.
    for (const [cx, cy] of [
      [200, 150],
      [230, 160],
      [80, 60],
    ] as const) {
      const mask = await ellipseOn(p.photo, cx, cy, 40 + r() * 30, 30 + r() * 30);
      await runEdit(
        p.session,
        { prompt: 'l', params, feather: 3, colorMatch: true, mask, references: [] },
        deps(api),
      );
    }
    await p.session.close();
    const mask = await ellipseOn(p.photo, 215, 150, 70, 50);
    const sent: Array<{ image: Uint8Array; mask: Uint8Array; patch: Buffer }> = [];
    for (const regionEdits of [false, true]) {
      const dir = `${p.dir}-${regionEdits}`;
      await fs.cp(p.dir, dir, { recursive: true });
      const session = new ProjectSession(await ProjectStore.open(dir), { regionEdits });
      const whole = vi.spyOn(session, 'current');
      const b = fakeApi();
      const layer = await runEdit(
        session,
        {
          prompt: 'x',
          params,
          feather: 3,
          colorMatch: true,
          mask,
          references: [],
          layerId: 'l_same',
          jobId: 'j_same',
        },
        deps(b.api),
      );
      expect(whole).toHaveBeenCalledTimes(regionEdits ? 0 : 1);
      const patch = await fs.readFile(path.join(dir, 'layers', layer.files.patch));
      sent.push({ image: b.calls[0]!.image, mask: b.calls[0]!.mask, patch });
      await session.close();
    }
    expect(Buffer.from(sent[1]!.image).equals(Buffer.from(sent[0]!.image))).toBe(true);
    expect(Buffer.from(sent[1]!.mask).equals(Buffer.from(sent[0]!.mask))).toBe(true);
    expect(sent[1]!.patch.equals(sent[0]!.patch)).toBe(true);
  }, 60_000);
});

describe('the region decoded beside the journal write', () => {
  it('is journaled before anything is sent, and a failure of the region drops the entry with nothing sent', async () => {
    const p = await catProject('maskroom-prepared-journal-');
    const params = EditParams.parse({ quality: 'low' });
    const mask = await ellipseOn(p.photo, 200, 150, 50, 40);
    let pendingAtSend = -1;
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const { api } = fakeApi({
      gate,
      // What is on disk when the request reaches the service (the answer waits for this look).
      onEdit: () => {
        void fs.readdir(path.join(p.dir, JOURNAL_DIR)).then((files) => {
          pendingAtSend = files.filter((f) => f.endsWith('.json')).length;
          release();
        });
      },
    });
    const pending = vi.spyOn(p.store, 'addJob');
    const layer = await runEdit(
      p.session,
      { prompt: 'a', params, feather: 2, colorMatch: true, mask, references: [] },
      deps(api),
    );
    expect(pending).toHaveBeenCalledTimes(1);
    expect(pendingAtSend).toBe(1);
    await p.session.close();

    // The original is gone from under a fresh session: the region cannot be read; nothing reaches the service.
    const store = await ProjectStore.open(p.dir);
    const session = new ProjectSession(store, { regionEdits: true });
    vi.spyOn(store, 'readOriginal').mockRejectedValue(Object.assign(new Error('gone'), { code: 'EIO' }));
    const failing = fakeApi();
    await expect(
      runEdit(
        session,
        { prompt: 'b', params, feather: 2, colorMatch: true, mask, references: [] },
        deps(failing.api),
      ),
    ).rejects.toThrow();
    expect(failing.calls).toHaveLength(0);
    expect(await store.pendingJobs()).toHaveLength(0);
    expect(store.layers().map((l) => l.id)).toEqual([layer.id]);
    await session.close();
  }, 60_000);
});
