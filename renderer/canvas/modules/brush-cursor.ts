/**
 * The brush outline: a plain div that follows the pointer at the brush's true size on screen (moving it
 * costs no canvas work), dashed for the eraser, with a dashed inner ring for the full-strength core of a
 * soft brush. Hidden off the stage, without a photo, while navigating and while the original is held.
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

  constructor(private readonly ctx: CanvasContext) {
    this.outline.appendChild(this.core);
  }

  attach(): void {
    this.ctx.container.append(this.outline);
  }

  inputChanged(): void {
    this.update();
  }

  draw({ viewChanged }: FrameInfo): void {
    if (viewChanged) this.update();
  }

  destroy(): void {
    this.outline.remove();
  }

  private update(): void {
    const { ctx, outline, core } = this;
    const { pointer, brush } = ctx;
    if (!pointer.inside || !ctx.engine || ctx.navigating || ctx.showingOriginal || isSelectTool(brush.tool)) {
      outline.style.display = 'none';
      return;
    }
    const d = Math.max(1, brush.size * ctx.view.scale);
    outline.style.display = 'block';
    outline.style.width = `${d}px`;
    outline.style.height = `${d}px`;
    outline.style.transform = `translate(${pointer.x - d / 2}px, ${pointer.y - d / 2}px)`;
    outline.style.borderStyle = brush.tool === 'eraser' ? 'dashed' : 'solid';
    // The hard core of a soft brush, where coverage is full.
    const c = d * (brush.hardness / 100);
    const showCore = brush.hardness < 95 && c > 6;
    core.style.display = showCore ? 'block' : 'none';
    if (showCore) {
      const off = (d - c) / 2 - 1;
      Object.assign(core.style, { width: `${c}px`, height: `${c}px`, left: `${off}px`, top: `${off}px` });
    }
  }
}
