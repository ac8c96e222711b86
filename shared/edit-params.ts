/**
 * The edit parameters as fields: label, CLI flag and kind, with the options, ranges and defaults read from the
 * contract's EditParams schema (never listed again). The Advanced panel, the Settings defaults and the CLI's
 * checks and help are built from this list.
 */
import { EditParams } from './contract';

export type EditParamKey = keyof EditParams;
/** The parameters chosen from a list. */
export type ChoiceParamKey = {
  [K in EditParamKey]: EditParams[K] extends string ? K : never;
}[EditParamKey];
export type NumberParamKey = Exclude<EditParamKey, ChoiceParamKey>;

export interface EditParamField {
  key: EditParamKey;
  /** The field's label in the window. */
  label: string;
  /** The CLI option (without the dashes) and the word for its value in the help. */
  flag: string;
  metavar: string;
}

/** In the order the window shows them and the CLI help lists them. */
export const editParamFields: readonly EditParamField[] = [
  { key: 'size', label: 'Size', flag: 'size', metavar: 'SIZE' },
  { key: 'quality', label: 'Quality', flag: 'quality', metavar: 'Q' },
  { key: 'background', label: 'Background', flag: 'background', metavar: 'B' },
  { key: 'outputFormat', label: 'Format', flag: 'output-format', metavar: 'F' },
  { key: 'outputCompression', label: 'Compression', flag: 'output-compression', metavar: 'N' },
  { key: 'moderation', label: 'Moderation', flag: 'moderation', metavar: 'M' },
];

const shape = EditParams.shape;

const choices: { [K in ChoiceParamKey]: readonly EditParams[K][] } = {
  size: shape.size.unwrap().options,
  quality: shape.quality.unwrap().options,
  background: shape.background.unwrap().options,
  outputFormat: shape.outputFormat.unwrap().options,
  moderation: shape.moderation.unwrap().options,
};

export function isChoiceParam(key: EditParamKey): key is ChoiceParamKey {
  return Object.prototype.hasOwnProperty.call(choices, key);
}

/** The values a choice parameter takes, from the schema. */
export function paramOptions<K extends ChoiceParamKey>(key: K): readonly EditParams[K][] {
  return choices[key];
}

/** The range of a number parameter, from the schema. */
export function paramRange(key: NumberParamKey): { min: number; max: number } {
  const inner = shape[key].unwrap();
  const min = inner.minValue;
  const max = inner.maxValue;
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max))
    throw new Error(`the schema of ${key} has no range`);
  return { min, max };
}

/** The default of a parameter, from the schema. */
export function paramDefault<K extends EditParamKey>(key: K): EditParams[K] {
  return EditParams.parse({})[key];
}
