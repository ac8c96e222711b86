import { describe, expect, it } from 'vitest';
import { overlayLut, renderOverlayRect, parseColor } from '../../../../renderer/canvas/overlay';
import { MaskEngine } from '../../../../renderer/canvas/mask/engine';

describe('overlay', () => {
  it('tints mask values once: the same value always gives the same colour, alpha = value·opacity', () => {
    const lut = overlayLut('#ff0000', 0.5);
    expect(lut[0]).toBe(0);
    expect(lut[255]! >>> 24).toBe(128);
    expect(lut[255]! & 255).toBe(255);
    expect(parseColor('#0f0')).toEqual([0, 255, 0]);
    expect(parseColor('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
  });

  it('samples the mask at the photo pixel under each screen pixel', () => {
    const e = new MaskEngine(600, 400);
    e.beginStroke({ mode: 'paint', size: 40, hardness: 1 });
    e.strokeTo(100, 100);
    e.strokeTo(500, 100);
    e.endStroke();
    // Overlapping second stroke: crossing must not change the tint.
    e.beginStroke({ mode: 'paint', size: 40, hardness: 1 });
    e.strokeTo(300, 20);
    e.strokeTo(300, 380);
    e.endStroke();
    const lut = overlayLut('#00ff00', 0.6);
    const W = 300;
    const H = 200;
    const out = new Uint32Array(W * H);
    const v = { scale: 0.5, x: 0, y: 0 };
    renderOverlayRect(e, v, out, W, { x: 0, y: 0, width: W, height: H }, lut);
    expect(out[50 * W + 100]).toBe(lut[255]); // single stroke (photo 200,100)
    expect(out[50 * W + 150]).toBe(lut[255]); // crossing (photo 300,100)
    expect(out[150 * W + 150]).toBe(lut[255]); // vertical stroke alone
    expect(out[150 * W + 50]).toBe(0);
    // A partial rect leaves the rest untouched.
    const out2 = new Uint32Array(W * H).fill(7);
    renderOverlayRect(e, v, out2, W, { x: 140, y: 40, width: 20, height: 20 }, lut);
    expect(out2[0]).toBe(7);
    expect(out2[50 * W + 150]).toBe(lut[255]);
  });
});
