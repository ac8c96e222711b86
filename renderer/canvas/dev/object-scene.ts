/**
 * Synthetic photos for object select (its unit tests, e2e test and benchmark; photo=object on the test page): a coloured object (a wobbly blob, its true shape known) on a
 * background of a colour gradient with stripes and noise, from a seeded generator.
 */
export interface Scene {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  /** 1 where the object is. */
  truth: Uint8Array;
  /** The object's bounding box. */
  bbox: { x: number; y: number; width: number; height: number };
}

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function makeScene(width: number, height: number, seed: number): Scene {
  const r = rng(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  const truth = new Uint8Array(width * height);
  const cx = width * (0.35 + 0.3 * r());
  const cy = height * (0.35 + 0.3 * r());
  const rad = Math.min(width, height) * (0.15 + 0.1 * r());
  const a1 = 0.1 + 0.15 * r();
  const a2 = 0.05 + 0.1 * r();
  const ph1 = r() * 6.28;
  const ph2 = r() * 6.28;
  const ex = 0.8 + 0.4 * r();
  // Background: a gradient between two colours, stripes and noise; the object: a saturated colour with a
  // gentle shading, far from the background's colours.
  const bgA = [40 + 80 * r(), 90 + 80 * r(), 140 + 80 * r()];
  const bgB = [20 + 60 * r(), 120 + 80 * r(), 60 + 80 * r()];
  const obj = [200 + 50 * r(), 60 + 60 * r(), 20 + 40 * r()];
  const period = 6 + 20 * r();
  let minX = width,
    minY = height,
    maxX = -1,
    maxY = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (x + 0.5 - cx) / ex;
      const dy = y + 0.5 - cy;
      const t = Math.atan2(dy, dx);
      const R = rad * (1 + a1 * Math.sin(3 * t + ph1) + a2 * Math.sin(5 * t + ph2));
      const inside = dx * dx + dy * dy < R * R;
      const i = y * width + x;
      const n = (r() - 0.5) * 24;
      let c: number[];
      if (inside) {
        truth[i] = 1;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
        const shade = 0.85 + 0.15 * (1 - Math.hypot(dx, dy) / R);
        c = obj.map((v) => v * shade + n);
      } else {
        const g = (x + y) / (width + height);
        const stripe = Math.sin((x * 0.7 + y) / period) > 0 ? 18 : -18;
        c = bgA.map((v, k) => v + (bgB[k]! - v) * g + stripe + n);
      }
      data[i * 4] = c[0]!;
      data[i * 4 + 1] = c[1]!;
      data[i * 4 + 2] = c[2]!;
      data[i * 4 + 3] = 255;
    }
  }
  return {
    width,
    height,
    data,
    truth,
    bbox: { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 },
  };
}

/** Intersection over union of a 0/255 mask (over rect) against the scene's truth. */
export function iou(
  s: Scene,
  mask: Uint8Array,
  rect: { x: number; y: number; width: number; height: number },
): number {
  let inter = 0;
  let uni = 0;
  for (let y = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++) {
      const inR = x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
      const m = inR && mask[(y - rect.y) * rect.width + (x - rect.x)]! >= 128;
      const t = s.truth[y * s.width + x] === 1;
      if (m && t) inter++;
      if (m || t) uni++;
    }
  }
  return uni ? inter / uni : 1;
}
