/**
 * The IPC binding over a fake ipcMain and a handler table of recorders: sender checks, the contract's
 * validation, unknown calls, handlers that throw; nothing reaches a handler unless it is valid and trusted.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { IpcMain } from 'electron';
import { callNames, type CallName } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { CALL_CHANNEL, DRAG_CHANNEL, SAVE_CHANNEL } from '../../../shared/ipc-channels';
import type { HandlerTable } from '../../../electron/core/handlers';
import { bindIpc, checkSender, projectFromCall } from '../../../electron/main/ipc';
import { FakeIpcMain, ipcEvent } from './fakes';

const project = { id: 'p1', name: 'beach.jpg', width: 4, height: 3, revision: 0, layers: [], jobs: [] };

function recordingTable(calls: { name: CallName; req: unknown }[]): HandlerTable {
  const table = {} as Record<CallName, (req: unknown) => Promise<unknown>>;
  for (const name of callNames) {
    table[name] = async (req) => {
      calls.push({ name, req });
      if (name === 'project:open') return project;
      if (name === 'layer:delete') throw new Error('disk on fire');
      if (name === 'edit:cancel')
        throw new AppError('not-found', 'That edit is not running; nothing to cancel.');
      return { ok: true };
    };
  }
  return table as unknown as HandlerTable;
}

let ipc: FakeIpcMain;
let calls: { name: CallName; req: unknown }[];
let observed: unknown[][];
let drags: unknown[];
let saves: unknown[];
const windowIds = new Set([7]);
const logs: string[] = [];

beforeEach(() => {
  ipc = new FakeIpcMain();
  calls = [];
  observed = [];
  drags = [];
  saves = [];
  bindIpc({
    ipcMain: ipc as unknown as IpcMain,
    table: recordingTable(calls),
    windowIds,
    log: (m) => void logs.push(m),
    dragOut: async (_e, req) => {
      drags.push(req);
      return { ok: true, value: { ok: true } };
    },
    saveAs: async (_e, req) => {
      saves.push(req);
      return { ok: true, value: { saved: true } };
    },
    observe: (...a) => void observed.push(a),
  });
});

const call = (event: unknown, name: unknown, req: unknown) => ipc.invoke(CALL_CHANNEL, event, name, req);

describe('sender checks', () => {
  it('trusts only the main frame of our windows showing the app', () => {
    expect(checkSender(ipcEvent(7), windowIds)).toEqual({ ok: true });
    expect(checkSender(ipcEvent(8), windowIds)).toMatchObject({ ok: false });
    expect(
      checkSender(ipcEvent(7, 'maskroom://app/index.html', { subFrame: true }), windowIds),
    ).toMatchObject({ ok: false });
    expect(checkSender(ipcEvent(7, 'maskroom://app/', { noFrame: true }), windowIds)).toMatchObject({
      ok: false,
    });
    expect(checkSender(ipcEvent(7, 'https://evil.example/'), windowIds)).toMatchObject({ ok: false });
    expect(checkSender(ipcEvent(7, 'file:///tmp/x.html'), windowIds)).toMatchObject({ ok: false });
  });

  it('refuses calls and drags from an untrusted sender before any handler runs', async () => {
    for (const ev of [
      ipcEvent(8),
      ipcEvent(7, 'https://evil.example/'),
      ipcEvent(7, 'maskroom://app/', { subFrame: true }),
    ]) {
      expect(await call(ev, 'settings:get', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await ipc.invoke(DRAG_CHANNEL, ev, { projectId: 'p1', format: 'png' })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(await ipc.invoke(SAVE_CHANNEL, ev, { projectId: 'p1', format: 'png' })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
    }
    expect(calls).toEqual([]);
    expect(drags).toEqual([]);
    expect(saves).toEqual([]);
    expect(await ipc.invoke(SAVE_CHANNEL, ipcEvent(7), { projectId: 'p1', format: 'tiff' })).toEqual({
      ok: true,
      value: { saved: true },
    });
    expect(saves).toEqual([{ projectId: 'p1', format: 'tiff' }]);
    expect(logs.some((l) => l.includes('refused'))).toBe(true);
  });
});

describe('validation', () => {
  it('runs a valid call and tells the observer', async () => {
    expect(await call(ipcEvent(7), 'project:open', { projectId: 'p1' })).toEqual({
      ok: true,
      value: project,
    });
    expect(calls).toEqual([{ name: 'project:open', req: { projectId: 'p1' } }]);
    expect(observed).toEqual([[7, 'project:open', { projectId: 'p1' }, project]]);
  });

  it('rejects unknown calls, nameless calls and invalid payloads with an error, never calling a handler', async () => {
    const ev = ipcEvent(7);
    expect(await call(ev, 'fs:readFile', { path: '/etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    expect(await call(ev, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await call(ev, 'toString', {})).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await call(ev, 42, {})).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await call(ev, undefined, undefined)).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    const bad = await call(ev, 'project:open', { projectId: '../../etc' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect((bad as { error: { message: string } }).error.message).toMatch(
      /project:open was not valid \(projectId\)/,
    );
    expect(await call(ev, 'settings:get', { extra: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    expect(await call(ev, 'project:create', { name: 'x', photo: 'not bytes' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    expect(calls).toEqual([]);
    expect(observed).toEqual([]);
  });

  it('turns a handler that throws into a one-sentence error, keeping AppError codes', async () => {
    const ev = ipcEvent(7);
    const internal = await call(ev, 'layer:delete', { projectId: 'p1', layerId: 'l1' });
    expect(internal).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(internal)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(await call(ev, 'edit:cancel', { jobId: 'j1' })).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'That edit is not running; nothing to cancel.' },
    });
  });

  it('has exactly the call, drag-out and save-as channels, and no other channel answers', async () => {
    expect([...ipc.handlers.keys()].sort()).toEqual([CALL_CHANNEL, DRAG_CHANNEL, SAVE_CHANNEL].sort());
    await expect(ipc.invoke('maskroom:exec', ipcEvent(7))).rejects.toThrow(/No handler/);
  });
});

describe('project tracking', () => {
  it('knows which project a call opened or closed', () => {
    expect(projectFromCall('project:open', { projectId: 'p1' }, project)).toEqual({ open: 'p1' });
    expect(projectFromCall('project:create', { name: 'x' }, project)).toEqual({ open: 'p1' });
    expect(projectFromCall('project:close', { projectId: 'p1' }, { ok: true })).toEqual({ closed: 'p1' });
    expect(projectFromCall('settings:get', {}, {})).toBeNull();
  });
});
