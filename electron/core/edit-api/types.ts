/**
 * The edit client's public shape. The pipeline codes against these types only.
 * Protocol facts: docs/edit-service.md.
 */
import type { ApiSize, EditParams } from '../../../shared/contract';

export const MODEL = 'gpt-image-1.5-edit';

export interface EditApiConfig {
  /** null: the client fails fast with code 'no-api-key' before any network call. */
  apiKey: string | null;
  apiBase: string;
  storageBase: string;
  /** How local images reach the service: storage upload-asset (default) or inline data URIs. */
  transport: 'upload' | 'inline';
  /** v2 async (default) or v1 sync. */
  mode: 'async' | 'sync';
  pollIntervalMs?: number; // default 1000
  deadlineMs?: number; // default 600_000
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  maxRetries?: number;
  /** First retry's backoff ceiling (doubles per attempt, with jitter); default 500. */
  retryBaseMs?: number;
  /** Longest single backoff; default 8000. */
  retryMaxMs?: number;
}

export interface EditInput {
  prompt: string;
  /** The image to edit (PNG bytes, sRGB), already at the API size. */
  image: Uint8Array;
  /** RGBA PNG of the image's size: alpha 0 = change, 255 = keep. */
  mask: Uint8Array;
  references: Uint8Array[];
  /** size is one of the three API sizes here, never 'auto': the result must map back pixel for pixel. */
  params: Omit<EditParams, 'size'> & { size: ApiSize };
}

export type EditStage = 'uploading' | 'queued' | 'processing' | 'downloading' | 'done';

export interface EditProgress {
  stage: EditStage;
  elapsedSeconds: number;
  requestId?: string;
}

export interface EditCallOptions {
  signal?: AbortSignal;
  onProgress?: (p: EditProgress) => void;
  /** Called as soon as the service returns a request id, before polling: the pipeline journals it. */
  onRequestId?: (requestId: string) => void | Promise<void>;
  /** Called with x-remaining-credits whenever a response carries it. */
  onCredits?: (remaining: number) => void;
}

export interface EditResult {
  /** The output image's bytes, checked to decode as an image. */
  image: Uint8Array;
  mime: string;
  requestId: string | null;
  creditsLeft: number | null;
  /** What the service reported the edit cost (metrics.cost or x-cost, USD); null when it did not say. */
  cost?: number | null;
  /** Milliseconds per stage, plus the service's own inference_time (s) when reported. */
  timings: Record<string, number>;
}

export interface EditApi {
  edit(input: EditInput, options?: EditCallOptions): Promise<EditResult>;
  /** Continue a v2 request saved earlier (results are kept one hour; 404 = expired). */
  resume(requestId: string, options?: EditCallOptions): Promise<EditResult>;
}
