/**
 * The imaging core: decode, masks, region planning, API inputs, composite, flatten, export.
 * Everything is on sharp (libvips) plus plain typed-array loops where bit-identity must be guaranteed.
 * See docs/imaging.md.
 */
export type {
  ApiInputs,
  CompositeOptions,
  ExportOptions,
  ImagingLimits,
  Mask,
  Patch,
  Photo,
  PhotoInfo,
  PlanOptions,
  PreviewFormat,
  RegionPlan,
  ThumbnailOptions,
} from './types';
export { DEFAULT_LIMITS } from './types';
export { useAllCores } from './util';
export {
  loadPhoto,
  probePhoto,
  verifyPhoto,
  clearPhotoCache,
  photoCacheStats,
  setPhotoCacheLimit,
} from './load';
export {
  maskFromPayload,
  maskFromFile,
  growMask,
  shrinkMask,
  invertMask,
  featherMask,
  maskBounds,
  marksNothing,
  markedMask,
  emptyMask,
  assertMaskFits,
} from './mask';
export { planRegion } from './region';
export { buildApiInputs, buildApiMask } from './api-inputs';
export { compositeResult } from './composite';
export { applyPatches, encodePatch, decodePatch, encodeMaskPng } from './patch';
export { exportImage, renderPreview, makeThumbnail } from './output';
export {
  exportImageTo,
  exportImageToFile,
  neededBytes,
  writeStreamedFile,
  type FileWriteOptions,
} from './export-image';
export { MemorySink, FileSink, type ExportSink } from './export-sink';
export { exportGreyToFile, sourceColourOf, type SourceColour } from './export-grey';
