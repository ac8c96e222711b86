/**
 * The outline of a selection being drawn: "marching ants" (a white dashed line moving over a black one, so
 * it reads on any photo) in an SVG over the stage. Shapes are given in photo pixels and drawn through the
 * view, so the outline stays on the photo while zooming or panning mid-gesture. Not a module: the selection
 * modules each own one.
 */
import type { Point } from '../module';
import type { View } from '../view';

const SVG = 'http://www.w3.org/2000/svg';

export type OutlineShape =
  | { kind: 'rect'; x: number; y: number; width: number; height: number }
  | { kind: 'ellipse'; x: number; y: number; width: number; height: number }
  | { kind: 'path'; points: readonly Point[]; closed: boolean };

export class SelectionOutline {
  readonly element: SVGSVGElement;
  private readonly under: SVGPathElement;
  private readonly ants: SVGPathElement;
  private shape: OutlineShape | null = null;

  constructor(testId: string) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('data-testid', testId);
    Object.assign(svg.style, {
      position: 'absolute',
      inset: '0',
      width: '100%',
      height: '100%',
      pointerEvents: 'none',
      overflow: 'visible',
      display: 'none',
    });
    const under = document.createElementNS(SVG, 'path');
    under.setAttribute('fill', 'rgba(255,255,255,0.08)');
    under.setAttribute('stroke', 'rgba(0,0,0,0.9)');
    under.setAttribute('stroke-width', '1.5');
    const ants = document.createElementNS(SVG, 'path');
    ants.setAttribute('fill', 'none');
    ants.setAttribute('stroke', '#fff');
    ants.setAttribute('stroke-width', '1.5');
    ants.setAttribute('stroke-dasharray', '5 5');
    const anim = document.createElementNS(SVG, 'animate');
    anim.setAttribute('attributeName', 'stroke-dashoffset');
    anim.setAttribute('from', '0');
    anim.setAttribute('to', '-10');
    anim.setAttribute('dur', '0.6s');
    anim.setAttribute('repeatCount', 'indefinite');
    ants.append(anim);
    svg.append(under, ants);
    this.element = svg;
    this.under = under;
    this.ants = ants;
  }

  /** Shows `shape` (photo pixels) through `view`, or hides the outline. */
  set(shape: OutlineShape | null, view: View): void {
    this.shape = shape;
    this.redraw(view);
  }

  /** Redraws the current shape after a change of view. */
  redraw(view: View): void {
    const d = this.shape ? pathOf(this.shape, view) : '';
    this.element.style.display = d ? 'block' : 'none';
    this.under.setAttribute('d', d);
    this.ants.setAttribute('d', d);
  }

  get visible(): boolean {
    return this.shape !== null;
  }
}

function pathOf(s: OutlineShape, v: View): string {
  const X = (x: number) => (x * v.scale + v.x).toFixed(1);
  const Y = (y: number) => (y * v.scale + v.y).toFixed(1);
  if (s.kind === 'rect') {
    const x0 = X(s.x);
    const y0 = Y(s.y);
    const x1 = X(s.x + s.width);
    const y1 = Y(s.y + s.height);
    return `M${x0},${y0}H${x1}V${y1}H${x0}Z`;
  }
  if (s.kind === 'ellipse') {
    const rx = (s.width / 2) * v.scale;
    const ry = (s.height / 2) * v.scale;
    if (rx <= 0 || ry <= 0) return '';
    const cx = (s.x + s.width / 2) * v.scale + v.x;
    const cy = (s.y + s.height / 2) * v.scale + v.y;
    return `M${(cx - rx).toFixed(1)},${cy.toFixed(1)}a${rx.toFixed(1)},${ry.toFixed(1)} 0 1,0 ${(2 * rx).toFixed(1)},0a${rx.toFixed(1)},${ry.toFixed(1)} 0 1,0 ${(-2 * rx).toFixed(1)},0Z`;
  }
  if (!s.points.length) return '';
  let d = '';
  s.points.forEach((p, i) => (d += `${i ? 'L' : 'M'}${X(p.x)},${Y(p.y)}`));
  return s.closed ? d + 'Z' : d;
}
