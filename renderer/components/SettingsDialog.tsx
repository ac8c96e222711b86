/**
 * Settings. The API key field is write-only: the app can only learn whether a key is set, so the
 * field starts empty and says so; saving sends the key to main and forgets it here.
 */
import { useState } from 'react';
import { Settings, type SettingsPatch } from '../../shared/contract';
import { limits } from '../../shared/limits';
import { useEditor, useStore } from '../state/react';
import { Dialog } from './Dialog';
import { Icon } from './Icon';
import { clampInt, EditParamsFields } from './EditParamsFields';
import { Field, ParamSelect } from './ParamSelect';

const storageWords: Record<Settings['keyStorage'], string> = {
  encrypted: 'A key is set, stored encrypted by your operating system.',
  plaintext: 'A key is set, stored unencrypted (your system offers no secure store).',
  environment: 'A key is set by the SEGMIND_API_KEY environment variable.',
  memory: 'A key is set for this session only.',
  none: 'No key is set: edits cannot run until you add one.',
};

/** The service's two addresses. */
const addressFields = [
  { key: 'apiBase', label: 'API address', testid: 'setting-api-base' },
  { key: 'storageBase', label: 'Upload address', testid: 'setting-storage-base' },
] as const;

/** How images travel and how the answer is awaited, in words; the values come from the Settings schema. */
const serviceChoices: {
  key: 'transport' | 'mode';
  label: string;
  words: Record<string, string>;
  testid?: string;
}[] = [
  {
    key: 'transport',
    label: 'Send images',
    words: { upload: 'Upload first (recommended)', inline: 'Inline in the request' } satisfies Record<
      Settings['transport'],
      string
    >,
    testid: 'setting-transport',
  },
  {
    key: 'mode',
    label: 'Request mode',
    words: { async: 'Queue and poll (recommended)', sync: 'Wait for the answer' } satisfies Record<
      Settings['mode'],
      string
    >,
  },
];

export function SettingsDialog() {
  const store = useStore();
  const settings = useEditor((s) => s.settings);
  if (!settings) return null;
  return (
    <Dialog title="Settings" testid="settings-dialog" wide onClose={() => store.openDialog(null)}>
      <KeySection settings={settings} />
      <PrefsForm settings={settings} />
    </Dialog>
  );
}

function KeySection({ settings }: { settings: Settings }) {
  const store = useStore();
  const [key, setKey] = useState('');
  const [saved, setSaved] = useState(false);
  return (
    <section className="settings-section">
      <h2>Segmind API key</h2>
      <p className={settings.apiKeySet ? 'muted' : 'warn'} data-testid="api-key-state">
        {storageWords[settings.keyStorage]}
      </p>
      {settings.keyStorageWarning && <p className="warn">{settings.keyStorageWarning}</p>}
      <form
        className="row"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!key.trim()) return;
          if (await store.setApiKey(key)) {
            setKey('');
            setSaved(true);
          }
        }}
      >
        <input
          data-testid="api-key"
          className="grow"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder={
            settings.apiKeySet ? 'Type a new key to replace the one set' : 'Paste your Segmind API key'
          }
          value={key}
          onChange={(e) => {
            setKey(e.target.value);
            setSaved(false);
          }}
          aria-label="Segmind API key"
        />
        <button className="button primary" type="submit" disabled={!key.trim()} data-testid="save-api-key">
          Save key
        </button>
        <button
          className="button"
          type="button"
          disabled={!settings.apiKeySet || settings.keyStorage === 'environment'}
          onClick={() => void store.setApiKey(null)}
          title="Forget the stored key"
        >
          Remove
        </button>
      </form>
      {saved && (
        <p className="ok">
          <Icon name="check" size={14} /> Key saved. Maskroom never shows it again.
        </p>
      )}
    </section>
  );
}

function PrefsForm({ settings }: { settings: Settings }) {
  const store = useStore();
  const [draft, setDraft] = useState(() => ({
    apiBase: settings.apiBase,
    storageBase: settings.storageBase,
    transport: settings.transport,
    mode: settings.mode,
    timeoutSeconds: settings.timeoutSeconds,
    defaults: { ...settings.defaults },
    feather: settings.feather,
    colorMatch: settings.colorMatch,
    libraryDir: settings.libraryDir,
  }));
  const [status, setStatus] = useState<string | null>(null);
  const set = (p: Partial<typeof draft>) => {
    setDraft((d) => ({ ...d, ...p }));
    setStatus(null);
  };

  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        const patch: SettingsPatch = { ...draft };
        if (await store.updateSettings(patch)) setStatus('Saved.');
      }}
    >
      <section className="settings-section">
        <h2>Edit service</h2>
        <div className="settings-grid">
          {addressFields.map((f) => (
            <Field key={f.key} label={f.label}>
              <input
                type="url"
                value={draft[f.key]}
                onChange={(e) => set({ [f.key]: e.target.value })}
                data-testid={f.testid}
              />
            </Field>
          ))}
          {serviceChoices.map((c) => (
            <ParamSelect
              key={c.key}
              label={c.label}
              value={draft[c.key]}
              options={Settings.shape[c.key].options}
              optionLabels={c.words}
              onChange={(v) => set({ [c.key]: v })}
              {...(c.testid ? { testid: c.testid } : {})}
            />
          ))}
          <Field label="Timeout (s)">
            <input
              type="number"
              min={limits.timeoutSeconds.min}
              max={limits.timeoutSeconds.max}
              value={draft.timeoutSeconds}
              onChange={(e) =>
                set({ timeoutSeconds: clampInt(e.target.value, limits.timeoutSeconds, draft.timeoutSeconds) })
              }
            />
          </Field>
        </div>
      </section>
      <section className="settings-section">
        <h2>Default edit parameters</h2>
        <div className="settings-grid three">
          <EditParamsFields
            params={draft.defaults}
            feather={draft.feather}
            onParams={(p) => set({ defaults: { ...draft.defaults, ...p } })}
            onFeather={(feather) => set({ feather })}
            testidPrefix="setting"
          />
          <label className="param checkbox">
            <input
              type="checkbox"
              checked={draft.colorMatch}
              onChange={(e) => set({ colorMatch: e.target.checked })}
            />
            <span>Match the result’s colour to the photo</span>
          </label>
        </div>
      </section>
      <section className="settings-section">
        <h2>Library</h2>
        <Field label="Projects folder">
          <input
            type="text"
            value={draft.libraryDir}
            onChange={(e) => set({ libraryDir: e.target.value })}
            data-testid="setting-library"
            spellCheck={false}
          />
        </Field>
      </section>
      <div className="row end">
        {status && <span className="ok">{status}</span>}
        <button className="button" type="button" onClick={() => store.openDialog(null)}>
          Close
        </button>
        <button className="button primary" type="submit" data-testid="save-settings">
          Save settings
        </button>
      </div>
    </form>
  );
}
