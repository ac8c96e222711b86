/**
 * The request body (docs/edit-service.md): typed parameters in, validated JSON body out.
 * Everything here runs before any network call, so a bad value never costs a request or credits.
 */
import sharp from 'sharp';
import type { z } from 'zod';
import { ApiSize, EditParams } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { limits } from '../../../shared/limits';
import { editErrors } from './errors';
import type { EditInput } from './types';

/** The documented defaults, applied to whatever the caller leaves out. */
export const DEFAULT_PARAMS = { ...EditParams.parse({}), size: 'auto' as const };

/** gpt-image accepts at most 16 input images: the photo plus 15 references. */
export const MAX_REFERENCES = limits.references.max;
export const MAX_PROMPT_CHARS = limits.prompt.max;

const ClientParams = EditParams.extend({ size: ApiSize });
export type ClientParams = z.output<typeof ClientParams>;

export interface EditBody {
  prompt: string;
  image_urls: string[];
  mask: string;
  size: string;
  quality: string;
  background: string;
  output_compression: number;
  output_format: string;
  moderation: string;
}

export type ImageMime = 'image/png' | 'image/jpeg' | 'image/webp';

/** Sniffs PNG, JPEG and WebP from their magic bytes. */
export function sniffMime(bytes: Uint8Array): ImageMime | null {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.join('.') || 'params';
  return `${field}: ${issue.message}`;
}

/** Parses the parameters, filling in the documented defaults; throws 'invalid-input' on a bad value. */
export function validateParams(params: Partial<ClientParams> | undefined): ClientParams {
  const parsed = ClientParams.safeParse(params ?? {});
  if (!parsed.success) {
    throw editErrors.invalidParam(parsed.error.issues.map(describeIssue).join('; '));
  }
  const p = parsed.data;
  if (p.background === 'transparent' && p.outputFormat === 'jpeg') {
    throw editErrors.invalidParam('a transparent background needs output format png or webp, not jpeg');
  }
  return p;
}

function dimensions(size: ApiSize): { width: number; height: number } {
  const [w, h] = size.split('x').map(Number);
  return { width: w ?? 0, height: h ?? 0 };
}

/**
 * Decodes a reference image whole (at a small size: JPEG and WebP decode scaled, still reading every byte),
 * so a damaged or cut-off file is refused before it is uploaded and paid for, not sent as it is.
 */
async function checkReference(bytes: Uint8Array, i: number): Promise<void> {
  try {
    await sharp(bytes, { failOn: 'truncated' })
      .resize({ width: 64, height: 64, fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (e) {
    throw new AppError(
      'unsupported-image',
      `Reference image ${i + 1} is damaged or incomplete; use an intact copy of it or leave it out (nothing was sent).`,
      { cause: e },
    );
  }
}

async function meta(bytes: Uint8Array, what: string): Promise<sharp.Metadata> {
  try {
    return await sharp(bytes).metadata();
  } catch {
    throw editErrors.invalidParam(`the ${what} is not a readable image`);
  }
}

/**
 * Checks the whole input before any network call: prompt, parameters, the image (at the API size),
 * the mask (an RGBA PNG of the image's size) and the references (PNG, JPEG or WebP).
 */
export async function validateInput(input: EditInput): Promise<ClientParams> {
  if (typeof input.prompt !== 'string' || input.prompt.trim() === '') {
    throw editErrors.invalidParam('the prompt is empty: describe the change');
  }
  if (input.prompt.length > MAX_PROMPT_CHARS) {
    throw editErrors.invalidParam(`the prompt is longer than ${MAX_PROMPT_CHARS} characters`);
  }
  const params = validateParams(input.params);
  const references = input.references ?? [];
  if (references.length > MAX_REFERENCES) {
    throw editErrors.invalidParam(
      `at most ${MAX_REFERENCES} reference images are allowed, got ${references.length}`,
    );
  }
  if (!(input.image instanceof Uint8Array) || !sniffMime(input.image)) {
    throw editErrors.invalidParam('the image must be PNG, JPEG or WebP bytes');
  }
  if (!(input.mask instanceof Uint8Array) || sniffMime(input.mask) !== 'image/png') {
    throw editErrors.invalidParam('the mask must be a PNG');
  }
  references.forEach((r, i) => {
    if (!(r instanceof Uint8Array) || !sniffMime(r)) {
      throw new AppError(
        'unsupported-image',
        `Reference image ${i + 1} is not a PNG, JPEG or WebP file; save it as one of those or leave it out (nothing was sent).`,
      );
    }
  });
  const [[im, mk]] = await Promise.all([
    Promise.all([meta(input.image, 'image'), meta(input.mask, 'mask')]),
    Promise.all(references.map((r, i) => checkReference(r, i))),
  ]);
  const want = dimensions(params.size);
  if (im.width !== want.width || im.height !== want.height) {
    throw editErrors.invalidParam(`the image is ${im.width}x${im.height} but size is ${params.size}`);
  }
  if (mk.width !== im.width || mk.height !== im.height) {
    throw editErrors.invalidParam(
      `the mask is ${mk.width}x${mk.height} but the image is ${im.width}x${im.height}`,
    );
  }
  if (mk.channels !== 4) {
    throw editErrors.invalidParam(
      `the mask must be an RGBA PNG (alpha 0 = change), it has ${mk.channels} channels`,
    );
  }
  return params;
}

/** The JSON body, with the service's field names. */
export function buildBody(prompt: string, imageUrls: string[], maskUrl: string, p: ClientParams): EditBody {
  return {
    prompt,
    image_urls: imageUrls,
    mask: maskUrl,
    size: p.size,
    quality: p.quality,
    background: p.background,
    output_compression: p.outputCompression,
    output_format: p.outputFormat,
    moderation: p.moderation,
  };
}
