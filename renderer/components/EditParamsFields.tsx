/**
 * The edit parameters and the feather as form fields, built from the contract's schema (shared/edit-params.ts:
 * the options, ranges and labels), used by the Advanced panel and by the Settings defaults alike.
 */
import type { EditParams } from '../../shared/contract';
import {
  editParamFields,
  isChoiceParam,
  paramOptions,
  paramRange,
  type ChoiceParamKey,
} from '../../shared/edit-params';
import { limits } from '../../shared/limits';
import { ParamSelect } from './ParamSelect';

/** The test ids of the Advanced panel's fields (`param-size`...); the Settings fields use the `setting-` prefix. */
const testidWords: Record<keyof EditParams, string> = {
  size: 'size',
  quality: 'quality',
  background: 'background',
  outputFormat: 'format',
  outputCompression: 'compression',
  moderation: 'moderation',
};

export function EditParamsFields(p: {
  params: EditParams;
  feather: number;
  onParams: (change: Partial<EditParams>) => void;
  onFeather: (feather: number) => void;
  /** `param-size`, `setting-size`...: which form the fields are in. */
  testidPrefix: 'param' | 'setting';
}) {
  const compression = paramRange('outputCompression');
  const lossless = p.params.outputFormat === 'png';
  return (
    <>
      {editParamFields.map((f) => {
        const testid = `${p.testidPrefix}-${testidWords[f.key]}`;
        if (isChoiceParam(f.key))
          return <Choice key={f.key} field={f.key} label={f.label} testid={testid} {...p} />;
        return (
          <NumberField
            key={f.key}
            label={f.label}
            testid={testid}
            range={compression}
            value={p.params.outputCompression}
            disabled={lossless}
            title={
              lossless
                ? 'PNG is lossless: compression applies to JPEG and WebP'
                : `${compression.min}–${compression.max}`
            }
            onChange={(n) => p.onParams({ outputCompression: n })}
          />
        );
      })}
      <NumberField
        label="Feather (px)"
        testid={`${p.testidPrefix}-feather`}
        range={limits.feather}
        value={p.feather}
        title="How softly the result blends into the photo at the mask's edge"
        onChange={p.onFeather}
      />
    </>
  );
}

function Choice<K extends ChoiceParamKey>(p: {
  field: K;
  label: string;
  testid: string;
  params: EditParams;
  onParams: (change: Partial<EditParams>) => void;
}) {
  return (
    <ParamSelect
      label={p.label}
      value={p.params[p.field]}
      options={paramOptions(p.field)}
      onChange={(v) => p.onParams({ [p.field]: v } as Partial<EditParams>)}
      testid={p.testid}
    />
  );
}

/** A whole number within a range; a blank or unreadable entry keeps the value it had. */
function NumberField(p: {
  label: string;
  testid: string;
  range: { min: number; max: number };
  value: number;
  disabled?: boolean;
  title: string;
  onChange: (n: number) => void;
}) {
  return (
    <label className="param">
      <span>{p.label}</span>
      <input
        type="number"
        min={p.range.min}
        max={p.range.max}
        value={p.value}
        data-testid={p.testid}
        disabled={p.disabled}
        title={p.title}
        onChange={(e) => p.onChange(clampInt(e.target.value, p.range, p.value))}
      />
    </label>
  );
}

export function clampInt(raw: string, r: { min: number; max: number }, fallback: number): number {
  const n = Math.round(Number(raw));
  return Number.isFinite(n) && raw.trim() !== '' ? Math.max(r.min, Math.min(r.max, n)) : fallback;
}
