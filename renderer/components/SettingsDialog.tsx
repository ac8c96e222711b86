/**
 * Settings. The API key field is write-only: the app can only learn whether a key is set, so the
 * field starts empty and says so; saving sends the key to main and forgets it here.
 */
import { useState } from 'react';
import { apiSizes, type EditParams, type Settings, type SettingsPatch } from '../../shared/contract';
import { useEditor, useStore } from '../state/react';
import { Dialog } from './Dialog';
import { Icon } from './Icon';
import { ParamSelect } from './ParamSelect';

const storageWords: Record<Settings['keyStorage'], string> = {
  encrypted: 'A key is set, stored encrypted by your operating system.',
  plaintext: 'A key is set, stored unencrypted (your system offers no secure store).',
  environment: 'A key is set by the SEGMIND_API_KEY environment variable.',
  memory: 'A key is set for this session only.',
  none: 'No key is set: edits cannot run until you add one.',
};

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
  const setDefault = (p: Partial<EditParams>) => set({ defaults: { ...draft.defaults, ...p } });

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
          <label className="param">
            <span>API address</span>
            <input
              type="url"
              value={draft.apiBase}
              onChange={(e) => set({ apiBase: e.target.value })}
              data-testid="setting-api-base"
            />
          </label>
          <label className="param">
            <span>Upload address</span>
            <input
              type="url"
              value={draft.storageBase}
              onChange={(e) => set({ storageBase: e.target.value })}
              data-testid="setting-storage-base"
            />
          </label>
          <label className="param">
            <span>Send images</span>
            <select
              value={draft.transport}
              onChange={(e) => set({ transport: e.target.value as Settings['transport'] })}
              data-testid="setting-transport"
            >
              <option value="upload">Upload first (recommended)</option>
              <option value="inline">Inline in the request</option>
            </select>
          </label>
          <label className="param">
            <span>Request mode</span>
            <select value={draft.mode} onChange={(e) => set({ mode: e.target.value as Settings['mode'] })}>
              <option value="async">Queue and poll (recommended)</option>
              <option value="sync">Wait for the answer</option>
            </select>
          </label>
          <label className="param">
            <span>Timeout (s)</span>
            <input
              type="number"
              min={10}
              max={3600}
              value={draft.timeoutSeconds}
              onChange={(e) =>
                set({
                  timeoutSeconds: Math.max(10, Math.min(3600, Math.round(Number(e.target.value) || 10))),
                })
              }
            />
          </label>
        </div>
      </section>
      <section className="settings-section">
        <h2>Default edit parameters</h2>
        <div className="settings-grid three">
          <ParamSelect
            label="Size"
            value={draft.defaults.size}
            options={['auto', ...apiSizes]}
            onChange={(v) => setDefault({ size: v })}
          />
          <ParamSelect
            label="Quality"
            value={draft.defaults.quality}
            options={['low', 'medium', 'high', 'auto'] as const}
            onChange={(v) => setDefault({ quality: v })}
          />
          <ParamSelect
            label="Background"
            value={draft.defaults.background}
            options={['opaque', 'transparent'] as const}
            onChange={(v) => setDefault({ background: v })}
          />
          <ParamSelect
            label="Format"
            value={draft.defaults.outputFormat}
            options={['png', 'jpeg', 'webp'] as const}
            onChange={(v) => setDefault({ outputFormat: v })}
          />
          <label className="param">
            <span>Compression</span>
            <input
              type="number"
              min={0}
              max={100}
              value={draft.defaults.outputCompression}
              onChange={(e) =>
                setDefault({
                  outputCompression: Math.max(0, Math.min(100, Math.round(Number(e.target.value) || 0))),
                })
              }
            />
          </label>
          <ParamSelect
            label="Moderation"
            value={draft.defaults.moderation}
            options={['auto', 'low'] as const}
            onChange={(v) => setDefault({ moderation: v })}
          />
          <label className="param">
            <span>Feather (px)</span>
            <input
              type="number"
              min={0}
              max={200}
              value={draft.feather}
              data-testid="setting-feather"
              onChange={(e) => set({ feather: Math.max(0, Math.min(200, Number(e.target.value) || 0)) })}
            />
          </label>
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
        <label className="param">
          <span>Projects folder</span>
          <input
            type="text"
            value={draft.libraryDir}
            onChange={(e) => set({ libraryDir: e.target.value })}
            data-testid="setting-library"
            spellCheck={false}
          />
        </label>
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
