/**
 * The app's BatchService against a fake service, for the batch service tests: settings pointing at the fake
 * and a library, every batch:progress report kept in order, and the photo, mask and parameters they send.
 */
import sharp from 'sharp';
import type { BatchState } from '../../../../shared/contract';
import { BatchService } from '../../../../electron/core/batch';
import { createEditApi } from '../../../../electron/core/edit-api';
import { EventBus } from '../../../../electron/core/events';
import { MemorySecretStore, SettingsService } from '../../../../electron/core/settings';
import type { FakeSegmind } from '../../../fake-segmind/server';

/** A flat grey PNG of w x h. */
export async function png(w: number, h: number, grey: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(
    await sharp({ create: { width: w, height: h, channels: 3, background: { r: grey, g: grey, b: grey } } })
      .png()
      .toBuffer(),
  );
}

/** An 80x60 mask whose top half is to change. */
export const mask = {
  kind: 'raw' as const,
  width: 80,
  height: 60,
  data: new Uint8Array(80 * 60).fill(255, 0, 2400),
};

export const params = {
  size: 'auto' as const,
  quality: 'low' as const,
  background: 'opaque' as const,
  outputFormat: 'png' as const,
  outputCompression: 95,
  moderation: 'auto' as const,
};

/** A BatchService on library `lib`, talking to `fake`; `seen` holds its progress reports in order. */
export function batchService(fake: FakeSegmind, lib: string) {
  const settings = new SettingsService(
    { read: () => undefined, write: () => undefined },
    new MemorySecretStore(null),
    {
      MASKROOM_LIBRARY: lib,
      SEGMIND_API_BASE: fake.apiBase,
      SEGMIND_STORAGE_BASE: fake.storageBase,
      SEGMIND_API_KEY: fake.apiKey,
    },
  );
  const events = new EventBus();
  const seen: BatchState[] = [];
  events.subscribe((name, payload) => {
    if (name === 'batch:progress') seen.push(payload as BatchState);
  });
  const svc = new BatchService({
    settings,
    events,
    editApiFactory: (config, limiter) => createEditApi({ ...config, pollIntervalMs: 20 }, { limiter }),
  });
  /** Resolves once `accept` accepts the reports made after report number `from` (checked every 20 ms, 30 s at most). */
  const until = <T>(from: number, accept: (reports: BatchState[]) => T | undefined, what: string) =>
    new Promise<T>((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        const hit = accept(seen.slice(from));
        if (hit !== undefined) return resolve(hit);
        if (Date.now() - started > 30_000) return reject(new Error(what));
        setTimeout(check, 20);
      };
      check();
    });
  return { svc, seen, until, reports: () => seen.length };
}
