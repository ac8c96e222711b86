/** A synthetic photo for tests and benchmarks: gradients, shapes and fine detail, at any size (e.g. 24 MP). */
export async function makeTestPhoto(
  width: number,
  height: number,
  variant: 'current' | 'original' | 'flat' = 'current',
): Promise<ImageBitmap> {
  const c = new OffscreenCanvas(width, height);
  const g = c.getContext('2d')!;
  if (variant === 'flat') {
    // Uniform grey: lets a test read the overlay's colour straight off a screenshot.
    g.fillStyle = '#808080';
    g.fillRect(0, 0, width, height);
    return c.transferToImageBitmap();
  }
  const sky = g.createLinearGradient(0, 0, 0, height);
  sky.addColorStop(0, variant === 'current' ? '#3a6ea5' : '#6b6b6b');
  sky.addColorStop(0.6, variant === 'current' ? '#c9d6df' : '#b0b0b0');
  sky.addColorStop(1, variant === 'current' ? '#4a5d23' : '#555555');
  g.fillStyle = sky;
  g.fillRect(0, 0, width, height);
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 400; i++) {
    const r = (0.01 + rnd() * 0.06) * Math.min(width, height);
    g.fillStyle = `hsla(${Math.floor(rnd() * 360)}, ${variant === 'current' ? 55 : 0}%, ${30 + rnd() * 40}%, 0.85)`;
    g.beginPath();
    g.arc(rnd() * width, rnd() * height, r, 0, Math.PI * 2);
    g.fill();
  }
  // A fine grid: shows whether the full-resolution image is used when zoomed in.
  g.strokeStyle = 'rgba(255,255,255,0.35)';
  g.lineWidth = 1;
  g.beginPath();
  for (let x = 0.5; x < width; x += 50) {
    g.moveTo(x, 0);
    g.lineTo(x, height);
  }
  for (let y = 0.5; y < height; y += 50) {
    g.moveTo(0, y);
    g.lineTo(width, y);
  }
  g.stroke();
  g.fillStyle = '#fff';
  g.font = `${Math.round(height / 20)}px sans-serif`;
  g.fillText(`${variant} ${width}x${height}`, width * 0.05, height * 0.1);
  return c.transferToImageBitmap();
}

/** ~n points of a smooth random walk inside the photo, deterministic for a seed. */
export function strokePoints(
  seed: number,
  n: number,
  step: number,
  width: number,
  height: number,
): [number, number][] {
  let s = seed * 9301 + 49297;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  let x = rnd() * width;
  let y = rnd() * height;
  let a = rnd() * Math.PI * 2;
  const pts: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    pts.push([x, y]);
    a += (rnd() - 0.5) * 0.6;
    x += Math.cos(a) * step;
    y += Math.sin(a) * step;
    if (x < 0 || x > width) a = Math.PI - a;
    if (y < 0 || y > height) a = -a;
    x = Math.min(width, Math.max(0, x));
    y = Math.min(height, Math.max(0, y));
  }
  return pts;
}
