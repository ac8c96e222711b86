/**
 * The editor's controls as a photographer sees them, in Chromium through the web host at 1280x800: the line
 * under Run edit says what is missing (in the tooltip's words, legible, never moving the panel), and goes
 * when nothing is; the tool column's and the tool options bar's labels are legible (12 px at least, enough
 * contrast) with nothing scrolled away or cut off, at 1280x800, 1920x1080 and a laptop's 1280x720 and
 * 1366x650; the compare view's slider sits in a bar under the photo, covering none of it, and moves the split
 * by mouse and by keyboard. Screenshots go to test-results/editor-chrome-*.png. A focused slider keeps the
 * arrow keys, which step variations elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { paintStroke, startEditor, waitForHistory, type EditorSession } from './support/editor';

const PHOTO = '../shared/fixtures/photos/astronaut.png';

let editor: EditorSession;
let page: Page;

beforeAll(async () => {
  editor = await startEditor({ latencyMs: 200, credits: 20, withApiKey: true, shotPrefix: 'editor-chrome' });
  ({ page } = editor);
});

afterAll(() => editor?.close());

/** The hint under Run edit, or null when none is shown; it must be the button's tooltip word for word. */
async function runHint(): Promise<string | null> {
  const hint = page.getByTestId('run-hint');
  if ((await hint.count()) === 0) return null;
  expect(await hint.isVisible()).toBe(true);
  const text = (await hint.textContent())?.trim() ?? '';
  expect(await page.getByTestId('run-edit').getAttribute('title')).toBe(text);
  expect(await page.getByTestId('run-edit').isDisabled()).toBe(true);
  return text;
}

/** WCAG contrast of the hint's text against the panel behind it, and whether its colour is a neutral grey. */
function hintColour(): Promise<{ ratio: number; neutral: boolean; fontPx: number }> {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid=run-hint]') as HTMLElement;
    const rgb = (css: string) => (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    let bgEl: HTMLElement | null = el;
    while (bgEl && getComputedStyle(bgEl).backgroundColor.replace(/\s/g, '') === 'rgba(0,0,0,0)')
      bgEl = bgEl.parentElement;
    const fg = rgb(getComputedStyle(el).color);
    const bg = rgb(getComputedStyle(bgEl ?? document.body).backgroundColor);
    const lum = (c: number[]) =>
      c
        .map((v) => v / 255)
        .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
        .reduce((sum, v, i) => sum + v * ([0.2126, 0.7152, 0.0722][i] as number), 0);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a) as [number, number];
    return {
      ratio: (hi + 0.05) / (lo + 0.05),
      neutral: fg[0] === fg[1] && fg[1] === fg[2],
      fontPx: parseFloat(getComputedStyle(el).fontSize),
    };
  });
}

/** Where the job status sits: the hint's line must not push it when the hint comes or goes. */
async function jobStatusTop(): Promise<number> {
  const box = await page.getByTestId('job-status').boundingBox();
  if (!box) throw new Error('no job status');
  return box.y;
}

describe('editor chrome', () => {
  it('says under Run edit what is missing, until nothing is', async () => {
    expect(await runHint()).toMatch(/^Open a photo/);
    await page.getByTestId('open-image').setInputFiles(PHOTO);
    await page.waitForFunction(() => window.__maskroomCanvas?.ready() === true, null, { timeout: 20_000 });
    const both = await runHint();
    expect(both).toMatch(/Paint a mask/);
    expect(both).toMatch(/describe the change/i);
    const colour = await hintColour();
    expect(colour.neutral).toBe(true);
    expect(colour.ratio).toBeGreaterThanOrEqual(4.5);
    expect(colour.fontPx).toBeGreaterThanOrEqual(12);
    const top = await jobStatusTop();
    await editor.shot('01-hint-both');

    await paintStroke(page);
    const promptOnly = await runHint();
    expect(promptOnly).toMatch(/Describe the change/);
    expect(promptOnly).not.toMatch(/mask/i);

    await page.getByTestId('prompt').fill('a red balloon');
    expect(await runHint()).toBeNull();
    await expect(page.getByTestId('run-edit').isEnabled()).resolves.toBe(true);
    expect(await jobStatusTop()).toBe(top);
    await editor.shot('02-hint-gone');

    await page.getByTestId('clear-mask').click();
    const maskOnly = await runHint();
    expect(maskOnly).toMatch(/Paint a mask/);
    expect(maskOnly).not.toMatch(/describe/i);
    expect(await jobStatusTop()).toBe(top);
    await editor.shot('03-hint-mask');
  });

  it('docks the compare slider under the photo, usable by mouse and keyboard', async () => {
    await paintStroke(page);
    await page.getByTestId('prompt').fill('a red balloon');
    await page.getByTestId('run-edit').click();
    await waitForHistory(page, 1);
    for (const [width, height] of [
      [1280, 800],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      // The stage follows the window a frame or more later: the fitted box is taken once it has settled.
      const fitted = await stablePhotoBox();
      await page.getByTestId('compare').click();
      await expect(page.getByTestId('compare-view').getAttribute('data-mode')).resolves.toBe('split');
      // The stage ends above the bar and the photo is fitted again inside what is left of it: the bar
      // covers no photo pixel, and the whole photo is still on screen.
      const photo = await settledPhotoBox(fitted);
      const bar = await boxOf('compare-view');
      const slider = await boxOf('compare-slider');
      const stage = await boxOf('stage');
      expect(bar.y).toBeGreaterThanOrEqual(photo.bottom);
      expect(slider.y).toBeGreaterThanOrEqual(photo.bottom);
      expect(stage.y + stage.height).toBeLessThanOrEqual(bar.y + 0.5);
      expect(photo.top).toBeGreaterThanOrEqual(stage.y);
      expect(photo.left).toBeGreaterThanOrEqual(stage.x);
      expect(photo.right).toBeLessThanOrEqual(stage.x + stage.width);
      // Obvious to find: a visible control of a useful width, inside the window.
      expect(await page.getByTestId('compare-slider').isVisible()).toBe(true);
      expect(slider.width).toBeGreaterThanOrEqual(120);
      expect(bar.y + bar.height).toBeLessThanOrEqual(height);
      await editor.shot(`05-compare-${width}`);

      // Mouse: a click a quarter along the track puts the split there.
      await page.mouse.click(slider.x + slider.width * 0.25, slider.y + slider.height / 2);
      const byMouse = Number(await page.getByTestId('compare-slider').inputValue());
      expect(Math.abs(byMouse - 25)).toBeLessThanOrEqual(3);
      // Keyboard: the arrows move the split (they are the variation keys elsewhere), Esc closes.
      await page.getByTestId('compare-slider').focus();
      for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
      await expect(page.getByTestId('compare-slider').inputValue()).resolves.toBe(String(byMouse + 5));
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('compare-view').count()).resolves.toBe(0);
      // The bar's room goes back to the photo, fitted as before.
      const back = await settledPhotoBox(photo);
      expect(Math.abs(back.bottom - fitted.bottom)).toBeLessThanOrEqual(1);
      expect(Math.abs(back.top - fitted.top)).toBeLessThanOrEqual(1);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('labels the tool column and the tool options bar legibly, with nothing cut off', async () => {
    const tools = [
      'tool-brush',
      'tool-rect',
      'tool-ellipse',
      'tool-lasso',
      'tool-polygon',
      'tool-wand',
      'tool-object',
    ];
    // A laptop's window (1280x720, 1366x768 less the browser's or the system's bars) as well.
    for (const [width, height] of [
      [1280, 800],
      [1920, 1080],
      [1280, 720],
      [1366, 650],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const tool of tools) {
        await page.getByTestId(tool).click();
        const r = await page.evaluate(chromeText);
        expect(r.labels).toContain('Size');
        expect(r.labels).toContain('Hard');
        expect(r.small, `${width}x${height} ${tool}`).toEqual([]);
        expect(r.lowContrast, `${width}x${height} ${tool}`).toEqual([]);
        expect(r.cut, `${width}x${height} ${tool}`).toEqual([]);
        expect(r.columnScrolls, `${width}x${height} ${tool}`).toBe(false);
      }
      await page.getByTestId('tool-wand').click();
      await editor.shot(`04-tool-labels-${width}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('tool-brush').click();
  });

  it("moves a focused slider of the tool column with the arrow keys, not the window's variation keys", async () => {
    await page.getByTestId('tool-brush').click();
    for (const id of ['brush-size', 'brush-hardness']) {
      const slider = page.getByTestId(id);
      await slider.focus();
      const before = Number(await slider.inputValue());
      // Left and Right are the window's previous/next variation keys everywhere else.
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      const up = Number(await slider.inputValue());
      expect(up, id).toBeGreaterThan(before);
      await page.keyboard.press('ArrowLeft');
      expect(Number(await slider.inputValue()), id).toBeLessThan(up);
      await slider.blur();
    }
  });
});

async function boxOf(testid: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.getByTestId(testid).boundingBox();
  if (!box) throw new Error(`no ${testid}`);
  return box;
}

interface PhotoBox {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Where the photo's corners are on screen now. */
async function photoBox(): Promise<PhotoBox> {
  const box = await page.evaluate(() => {
    const c = window.__maskroomCanvas;
    const s = c?.stats();
    if (!c || !s) return null;
    const a = c.photoToClient(0, 0);
    const b = c.photoToClient(s.width, s.height);
    return { top: a.y, left: a.x, bottom: b.y, right: b.x };
  });
  if (!box) throw new Error('no canvas');
  return box;
}

/** Whether two photo boxes are the same to half a pixel. */
const same = (a: PhotoBox, b: PhotoBox) =>
  Math.abs(a.top - b.top) < 0.5 && Math.abs(a.bottom - b.bottom) < 0.5 && Math.abs(a.left - b.left) < 0.5;

/** The photo's box once three samples 100 ms apart agree (the stage has followed a resize), within 5 s. */
async function stablePhotoBox(): Promise<PhotoBox> {
  let prev = await photoBox();
  let agreeing = 1;
  for (let i = 0; i < 50 && agreeing < 3; i++) {
    await page.waitForTimeout(100);
    const now = await photoBox();
    agreeing = same(now, prev) ? agreeing + 1 : 1;
    prev = now;
  }
  return prev;
}

/** The photo's box once it differs from `before` and has stopped moving (the stage resizes a frame later), within 5 s. */
async function settledPhotoBox(before: PhotoBox): Promise<PhotoBox> {
  let prev = await photoBox();
  for (let i = 0; i < 50; i++) {
    await page.waitForTimeout(100);
    const now = await photoBox();
    if (!same(now, before) && same(now, prev)) return now;
    prev = now;
  }
  return prev;
}

/**
 * In the page: every piece of text of the tool column and the tool options bar (and the number fields) with
 * its size and contrast against what is behind it, what sticks out of the bar, and whether the column scrolls.
 */
function chromeText(): {
  labels: string[];
  small: string[];
  lowContrast: string[];
  cut: string[];
  columnScrolls: boolean;
} {
  const rgb = (css: string) => (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
  const lum = (c: number[]) =>
    c
      .map((v) => v / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
      .reduce((sum, v, i) => sum + v * ([0.2126, 0.7152, 0.0722][i] as number), 0);
  const background = (el: Element | null): number[] => {
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor.replace(/\s/g, '');
      if (bg !== 'rgba(0,0,0,0)') return rgb(bg);
    }
    return [0, 0, 0];
  };
  const out = {
    labels: [] as string[],
    small: [] as string[],
    lowContrast: [] as string[],
    cut: [] as string[],
  };
  const column = document.querySelector('.toolbar') as HTMLElement;
  const bar = document.querySelector('.tool-options') as HTMLElement;
  for (const root of [column, bar]) {
    for (const el of root.querySelectorAll('*')) {
      const text = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
      const field = el instanceof HTMLInputElement && el.type === 'number';
      if (!(text || field) || (el as HTMLElement).offsetParent === null) continue;
      const style = getComputedStyle(el);
      const name = `${el.textContent?.trim() || (el as HTMLInputElement).value} (${el.tagName.toLowerCase()})`;
      out.labels.push(el.textContent?.trim() ?? '');
      if (parseFloat(style.fontSize) < 12) out.small.push(`${name} ${style.fontSize}`);
      // Greyed-out controls are meant to recede.
      if ((el as HTMLElement).closest(':disabled') || style.opacity !== '1') continue;
      const [hi, lo] = [lum(rgb(style.color)), lum(background(el))].sort((a, b) => b - a) as [number, number];
      if ((hi + 0.05) / (lo + 0.05) < 4.5) out.lowContrast.push(name);
    }
  }
  const box = bar.getBoundingClientRect();
  for (const el of bar.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (
      r.left < box.left - 0.5 ||
      r.right > box.right + 0.5 ||
      r.top < box.top - 0.5 ||
      r.bottom > box.bottom + 0.5
    )
      out.cut.push(`${el.textContent?.trim()} (${el.tagName.toLowerCase()}) outside the bar`);
  }
  for (const el of [column, ...column.querySelectorAll('*')] as HTMLElement[])
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      out.cut.push(`${el.className} is cut off at the side`);
  return { ...out, columnScrolls: column.scrollHeight > column.clientHeight + 1 };
}
