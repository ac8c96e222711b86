/** Bundled Lucide icons (assets/icons, ISC licence): no icon font and no CDN. */
import brush from '../../assets/icons/brush.svg?raw';
import eraser from '../../assets/icons/eraser.svg?raw';
import undo from '../../assets/icons/undo-2.svg?raw';
import redo from '../../assets/icons/redo-2.svg?raw';
import invert from '../../assets/icons/flip-horizontal-2.svg?raw';
import trash from '../../assets/icons/trash-2.svg?raw';
import open from '../../assets/icons/folder-open.svg?raw';
import download from '../../assets/icons/download.svg?raw';
import settings from '../../assets/icons/settings.svg?raw';
import eye from '../../assets/icons/eye.svg?raw';
import eyeOff from '../../assets/icons/eye-off.svg?raw';
import imagePlus from '../../assets/icons/image-plus.svg?raw';
import play from '../../assets/icons/play.svg?raw';
import stop from '../../assets/icons/square.svg?raw';
import history from '../../assets/icons/history.svg?raw';
import compare from '../../assets/icons/columns-2.svg?raw';
import zoomIn from '../../assets/icons/zoom-in.svg?raw';
import zoomOut from '../../assets/icons/zoom-out.svg?raw';
import fit from '../../assets/icons/maximize.svg?raw';
import scan from '../../assets/icons/scan.svg?raw';
import keyboard from '../../assets/icons/keyboard.svg?raw';
import close from '../../assets/icons/x.svg?raw';
import alert from '../../assets/icons/circle-alert.svg?raw';
import layers from '../../assets/icons/layers.svg?raw';
import sparkles from '../../assets/icons/sparkles.svg?raw';
import plus from '../../assets/icons/plus.svg?raw';
import minus from '../../assets/icons/minus.svg?raw';
import revert from '../../assets/icons/rotate-ccw.svg?raw';
import chevronLeft from '../../assets/icons/chevron-left.svg?raw';
import chevronRight from '../../assets/icons/chevron-right.svg?raw';
import chevronDown from '../../assets/icons/chevron-down.svg?raw';
import check from '../../assets/icons/check.svg?raw';
import grip from '../../assets/icons/grip-vertical.svg?raw';
import help from '../../assets/icons/circle-help.svg?raw';
import spinner from '../../assets/icons/loader-circle.svg?raw';
import image from '../../assets/icons/image.svg?raw';
import rerun from '../../assets/icons/repeat.svg?raw';
import grow from '../../assets/icons/circle-plus.svg?raw';
import shrink from '../../assets/icons/circle-minus.svg?raw';
import selectRect from '../../assets/icons/select-rect.svg?raw';
import selectEllipse from '../../assets/icons/select-ellipse.svg?raw';
import selectLasso from '../../assets/icons/select-lasso.svg?raw';
import selectPolygon from '../../assets/icons/select-polygon.svg?raw';
import selectWand from '../../assets/icons/select-wand.svg?raw';
import selectObject from '../../assets/icons/select-object.svg?raw';

const icons = {
  brush,
  eraser,
  undo,
  redo,
  invert,
  trash,
  open,
  download,
  settings,
  eye,
  eyeOff,
  imagePlus,
  play,
  stop,
  history,
  compare,
  zoomIn,
  zoomOut,
  fit,
  scan,
  keyboard,
  close,
  alert,
  layers,
  sparkles,
  plus,
  minus,
  revert,
  chevronLeft,
  chevronRight,
  chevronDown,
  check,
  grip,
  help,
  spinner,
  image,
  rerun,
  grow,
  shrink,
  selectRect,
  selectEllipse,
  selectLasso,
  selectPolygon,
  selectWand,
  selectObject,
} as const;

export type IconName = keyof typeof icons;

export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  const svg = icons[name]
    .replace(/<!--.*?-->/s, '')
    .replace(/width="24"/, `width="${size}"`)
    .replace(/height="24"/, `height="${size}"`);
  return <span className="icon" aria-hidden="true" dangerouslySetInnerHTML={{ __html: svg }} />;
}
