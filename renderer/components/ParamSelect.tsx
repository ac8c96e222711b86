import type { ReactNode } from 'react';

/** A labelled drop-down of a setting's values (the edit parameters, the Settings service options). */
export function ParamSelect<T extends string>(p: {
  label: string;
  value: T;
  options: readonly T[];
  /** What to show for a value, where the value itself is not words a person reads. */
  optionLabels?: Partial<Record<T, string>>;
  onChange: (v: T) => void;
  testid?: string;
}) {
  return (
    <Field label={p.label}>
      <select value={p.value} data-testid={p.testid} onChange={(e) => p.onChange(e.target.value as T)}>
        {p.options.map((o) => (
          <option key={o} value={o}>
            {p.optionLabels?.[o] ?? o}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A form field with its label above it. */
export function Field(p: { label: string; className?: string; children: ReactNode }) {
  return (
    <label className={p.className ? `param ${p.className}` : 'param'}>
      <span>{p.label}</span>
      {p.children}
    </label>
  );
}
