/**
 * image:render 'patch': a layer's own pixels over its rect, in sRGB, its mask as alpha; pasted over the
 * rendered image below it, it gives the rendered image with the layer (what the canvas shows at once when
 * an edit lands), and at a maxSize it is the same, scaled.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { ellipseMask, fixture } from './fixtures';
import { fakeApi } from './fake-api';
import { editInTurn, workspaceHarness } from './workspace-harness';

async function rgba(png: Uint8Array) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe("a layer's patch", () => {
  it('pasted over the image before the layer, gives the image with the layer; transparent outside its mask', async () => {
    const h = await workspaceHarness(fakeApi({ delayMs: 1 }).api);
    const p = await h.ws.createProject({ name: 'cat.png', photo: await fixture('chelsea.png') });
    await editInTurn(h, p.id, ['a hat'], () => ellipseMask(451, 300, 220, 120, 70, 45));
    const state = await h.ws.openProject({ projectId: p.id });
    const layer = state.layers[0]!;
    const patch = await h.ws.render({ projectId: p.id, target: { kind: 'patch', layerId: layer.id } });
    expect(patch.mime).toBe('image/png');
    expect([patch.width, patch.height]).toEqual([layer.rect.width, layer.rect.height]);
    const px = await rgba(patch.data);
    expect([px.width, px.height]).toEqual([layer.rect.width, layer.rect.height]);
    // The rect's corners are outside the ellipse: transparent.
    expect(px.data[3]).toBe(0);
    expect(px.data[(px.width * px.height - 1) * 4 + 3]).toBe(0);

    const below = await rgba((await h.ws.render({ projectId: p.id, target: { kind: 'original' } })).data);
    const after = await rgba((await h.ws.render({ projectId: p.id, target: { kind: 'current' } })).data);
    // Paste: below * (1 - a) + patch * a, inside the rect, against the rendered current image.
    let worst = 0;
    let changed = 0;
    const { x: rx, y: ry } = layer.rect;
    for (let y = 0; y < px.height; y++) {
      for (let x = 0; x < px.width; x++) {
        const i = (y * px.width + x) * 4;
        const a = px.data[i + 3]! / 255;
        const j = ((ry + y) * below.width + rx + x) * 4;
        for (let c = 0; c < 3; c++) {
          const pasted = below.data[j + c]! * (1 - a) + px.data[i + c]! * a;
          worst = Math.max(worst, Math.abs(pasted - after.data[j + c]!));
          if (Math.abs(after.data[j + c]! - below.data[j + c]!) > 8) changed++;
        }
      }
    }
    expect(changed).toBeGreaterThan(1000); // the layer changed the image there
    // JPEG renders on both sides (quality 90): within a JPEG's error (about 15 here), not another image.
    expect(worst).toBeLessThan(24);

    const small = await h.ws.render({
      projectId: p.id,
      target: { kind: 'patch', layerId: layer.id },
      maxSize: 40,
    });
    expect(Math.max(small.width, small.height)).toBe(40);
    const sm = await rgba(small.data);
    expect([sm.width, sm.height]).toEqual([small.width, small.height]);
    await h.ws.dispose();
  }, 60_000);
});
