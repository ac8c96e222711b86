/** A labelled drop-down of edit-parameter values (the Advanced panel, the Settings defaults). */
export function ParamSelect<T extends string>(p: {
  label: string;
  value: T;
  options: readonly T[];
  onChange: (v: T) => void;
  testid?: string;
}) {
  return (
    <label className="param">
      <span>{p.label}</span>
      <select value={p.value} data-testid={p.testid} onChange={(e) => p.onChange(e.target.value as T)}>
        {p.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
