/**
 * The brush outline: a plain div that follows the pointer at the brush's true size on screen (moving it
 * costs no canvas work), dashed for the eraser, with a dashed inner ring for the full-strength core of a
 * soft brush. Hidden off the stage, without a photo, while navigating and while the original is held.
 *
 * Its style is written in the animation frame, not in each pointer event, and only what changed (while
 * painting, the position): once per frame however many moves came, and never between two moves, where
 * the next move's read of the stage's box would make the browser recompute style at once. What the frame
 * shows is the same, the outline at the frame's last pointer position.
 */
import { isSelectTool, styledDiv, type CanvasContext, type CanvasModule, type FrameInfo } from '../module';

export class BrushCursorModule implements CanvasModule {
  readonly name = 'brush-cursor';
  private readonly outline = styledDiv({
    position: 'absolute',
    left: '0',
    top: '0',
    borderRadius: '50%',
    border: '1px solid rgba(255,255,255,0.95)',
    boxShadow: '0 0 0 1px rgba(0,0,0,0.55), inset 0 0 0 1px rgba(0,0,0,0.35)',
    pointerEvents: 'none',
    display: 'none',
    boxSizing: 'border-box',
    willChange: 'transform',
  });
  private readonly core = styledDiv({
    position: 'absolute',
    borderRadius: '50%',
    border: '1px dashed rgba(255,255,255,0.6)',
    boxSizing: 'border-box',
    pointerEvents: 'none',
  });

  /** The outline needs updating at the next frame. */
  private stale = true;
  /** The shape last written (size, border, core), and the position, so unchanged style is not rewritten. */
  private shape = '';
  private position = '';

  constructor(private readonly ctx: CanvasContext) {
    this.outline.appendChild(this.core);
  }

  attach(): void {
    this.ctx.container.append(this.outline);
  }

  inputChanged(): void {
    this.stale = true;
    this.ctx.requestFrame();
  }

  draw({ viewChanged }: FrameInfo): void {
    if (!viewChanged && !this.stale) return;
    this.stale = false;
    this.update();
  }

  destroy(): void {
    this.outline.remove();
  }

  private update(): void {
    const { ctx, outline, core } = this;
    const { pointer, brush } = ctx;
    if (!pointer.inside || !ctx.engine || ctx.navigating || ctx.showingOriginal || isSelectTool(brush.tool)) {
      if (this.shape !== 'none') outline.style.display = 'none';
      this.shape = 'none';
      return;
    }
    const d = Math.max(1, brush.size * ctx.view.scale);
    // The hard core of a soft brush, where coverage is full.
    const c = d * (brush.hardness / 100);
    const showCore = brush.hardness < 95 && c > 6;
    const shape = `${d} ${brush.tool === 'eraser'} ${showCore ? c : 0}`;
    if (shape !== this.shape) {
      this.shape = shape;
      outline.style.display = 'block';
      outline.style.width = `${d}px`;
      outline.style.height = `${d}px`;
      outline.style.borderStyle = brush.tool === 'eraser' ? 'dashed' : 'solid';
      core.style.display = showCore ? 'block' : 'none';
      if (showCore) {
        const off = (d - c) / 2 - 1;
        Object.assign(core.style, { width: `${c}px`, height: `${c}px`, left: `${off}px`, top: `${off}px` });
      }
      this.position = '';
    }
    const position = `translate(${pointer.x - d / 2}px, ${pointer.y - d / 2}px)`;
    if (position !== this.position) outline.style.transform = this.position = position;
  }
}
