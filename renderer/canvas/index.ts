export {
  EditorCanvas,
  stepBrushSize,
  stepHardness,
  type EditorCanvasHandle,
  type EditorCanvasProps,
  type MaskInfo,
  type SelectMode,
  type Tool,
} from './EditorCanvas';
export { isSelectTool, selectTools, type SelectTool } from './module';
export { selectModes } from './select/combine';
export {
  MaskEngine,
  type BrushMode,
  type MaskStats,
  type StrokeParams,
  type MaskEngineOptions,
} from './mask/engine';
export { decodeImageBytes, type Drawable, type EditorImage, type EditorImageInput } from './image-source';
export type { View } from './view';
export type { CanvasDebugApi } from './debug';
