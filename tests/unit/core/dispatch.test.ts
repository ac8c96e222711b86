import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../electron/core/dispatch';
import { createHandlers, type HandlerTable } from '../../../electron/core/handlers';
import {
  SettingsService,
  MemorySecretStore,
  type PrefsStore,
  type StoredPrefs,
} from '../../../electron/core/settings';
import type { WorkspaceApi } from '../../../electron/core/workspace-types';
import { AppError } from '../../../shared/errors';
import { EditParams } from '../../../shared/contract';

class MemPrefs implements PrefsStore {
  value: unknown = undefined;
  read() {
    return this.value;
  }
  write(p: StoredPrefs) {
    this.value = p;
  }
}

function table(overrides: Partial<WorkspaceApi> = {}): HandlerTable {
  const refuse = async () => {
    throw new AppError('not-found', 'No such project; open it from the library.');
  };
  const workspace = new Proxy(overrides as WorkspaceApi, {
    get: (t, k: string) => (k in t ? t[k as keyof WorkspaceApi] : refuse),
  });
  const settings = new SettingsService(new MemPrefs(), new MemorySecretStore(), {});
  return createHandlers({ version: '9.9.9', host: 'web', settings, workspace });
}

describe('dispatch', () => {
  it('runs a valid call', async () => {
    const r = await dispatch(table(), 'app:info', {});
    expect(r).toEqual({ ok: true, value: { version: '9.9.9', host: 'web', platform: process.platform } });
  });

  it('refuses an unknown channel without throwing', async () => {
    const r = await dispatch(table(), 'fs:readFile', { path: '/etc/passwd' });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error).toEqual({
        code: 'invalid-input',
        message: 'Maskroom has no call named "fs:readFile".',
      });
  });

  it('refuses an invalid payload and names the field', async () => {
    const r = await dispatch(table(), 'layer:setVisible', { projectId: 'p1', layerId: 'l1', visible: 'yes' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('invalid-input');
      expect(r.error.message).toMatch(/^The request layer:setVisible was not valid \(visible\)/);
    }
    const extra = await dispatch(table(), 'app:info', { sneaky: 1 });
    expect(extra.ok).toBe(false);
    const ids = await dispatch(table(), 'project:open', { projectId: '../etc' });
    expect(ids.ok).toBe(false);
  });

  it('passes AppErrors through and hides internal ones behind a one-line message', async () => {
    const r = await dispatch(table(), 'project:open', { projectId: 'p1' });
    expect(r).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'No such project; open it from the library.' },
    });
    const boom = table({
      listProjects: async () => {
        throw new TypeError('cannot read x of undefined\n    at secret/stack.ts:1');
      },
    });
    const r2 = await dispatch(boom, 'projects:list', {});
    expect(r2.ok).toBe(false);
    if (!r2.ok) {
      expect(r2.error.code).toBe('internal');
      expect(r2.error.message).not.toContain('stack.ts');
      expect(r2.error.message).toContain('cannot read x of undefined');
    }
  });

  it('applies schema defaults before the handler sees the request', async () => {
    let seen: unknown;
    const t = table({
      runEdit: async (req) => {
        seen = req;
        return { groupId: 'g1', jobIds: ['j1'] };
      },
    });
    const r = await dispatch(t, 'edit:run', {
      projectId: 'p1',
      prompt: '  a red scarf ',
      params: {},
      mask: { kind: 'raw', width: 2, height: 1, data: new Uint8Array([0, 255]) },
    });
    expect(r.ok).toBe(true);
    expect(seen).toMatchObject({
      prompt: 'a red scarf',
      variations: 1,
      references: [],
      params: EditParams.parse({}),
    });
  });
});
