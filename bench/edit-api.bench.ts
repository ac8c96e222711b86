/**
 * Edit client overhead per edit, against the fake Segmind at zero model latency.
 *   npx tsx bench/edit-api.bench.ts [--runs 60] [--quick]   (or: npm run bench -- edit-api)
 * Compares the median time of SegmindClient.edit() (v2, upload transport, a new session per edit so the
 * upload is never skipped) with the same exchange made with plain fetch: upload-asset, submit, one status
 * poll, result, download. Both sides pay the fake's rendering; the difference is the client's own work
 * (validation with sharp, hashing, retry bookkeeping, the output decode check). Runs are interleaved.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { SegmindClient, type EditInput } from '../electron/core/edit-api';
import { EditParams } from '../shared/contract';
import { startFakeSegmind, type FakeSegmind } from '../tests/fake-segmind/server';
import { median } from './support';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : process.argv.includes('--quick') ? 15 : 60;
const WARMUP = 5;

async function inputs(): Promise<EditInput> {
  const w = 1024;
  const raw = Buffer.alloc(w * w * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 251;
  const image = await sharp(raw, { raw: { width: w, height: w, channels: 3 } })
    .png()
    .toBuffer();
  const maskRaw = Buffer.alloc(w * w * 4, 255);
  for (let i = 3; i < maskRaw.length / 2; i += 4) maskRaw[i] = 0;
  const mask = await sharp(maskRaw, { raw: { width: w, height: w, channels: 4 } })
    .png()
    .toBuffer();
  return {
    prompt: 'bench',
    image: new Uint8Array(image),
    mask: new Uint8Array(mask),
    references: [],
    params: { ...EditParams.parse({}), size: '1024x1024' },
  };
}

async function viaClient(fake: FakeSegmind, input: EditInput): Promise<void> {
  const client = new SegmindClient({
    apiKey: fake.apiKey,
    apiBase: fake.apiBase,
    storageBase: fake.storageBase,
    transport: 'upload',
    mode: 'async',
  });
  try {
    await client.edit(input);
  } finally {
    await client.close();
  }
}

async function viaFetch(fake: FakeSegmind, input: EditInput): Promise<void> {
  const headers = { 'x-api-key': fake.apiKey, 'content-type': 'application/json' };
  const dataUrl = (b: Uint8Array) => `data:image/png;base64,${Buffer.from(b).toString('base64')}`;
  const up = (await (
    await fetch(`${fake.storageBase}/upload-asset`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ data_urls: [dataUrl(input.image), dataUrl(input.mask)] }),
    })
  ).json()) as { file_urls: string[] };
  const sub = (await (
    await fetch(`${fake.apiBase}/v2/gpt-image-1.5-edit`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        prompt: input.prompt,
        image_urls: [up.file_urls[0]],
        mask: up.file_urls[1],
        size: input.params.size,
        quality: input.params.quality,
        background: input.params.background,
        output_compression: input.params.outputCompression,
        output_format: input.params.outputFormat,
        moderation: input.params.moderation,
      }),
    })
  ).json()) as { status_url: string; response_url: string };
  for (;;) {
    const st = (await (await fetch(sub.status_url, { headers })).json()) as { status: string };
    if (st.status === 'COMPLETED') break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const result = (await (await fetch(sub.response_url, { headers })).json()) as { output: string };
  const img = await (await fetch(result.output)).arrayBuffer();
  if (img.byteLength === 0) throw new Error('empty output');
}

const fake = await startFakeSegmind({ latencyMs: 0, credits: 1e9 });
try {
  const input = await inputs();
  const client: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < RUNS + WARMUP; i++) {
    for (const [fn, out] of [
      [viaClient, client],
      [viaFetch, baseline],
    ] as const) {
      const t0 = performance.now();
      await fn(fake, input);
      if (i >= WARMUP) out.push(performance.now() - t0);
    }
  }
  const mc = median(client);
  const mf = median(baseline);
  const report = {
    bench: 'edit-api',
    runs: RUNS,
    clientMedianMs: Math.round(mc * 10) / 10,
    fetchMedianMs: Math.round(mf * 10) / 10,
    overheadMs: Math.round((mc - mf) * 10) / 10,
    ratio: Math.round((mc / mf) * 100) / 100,
  };
  console.log(
    `edit-api: client ${report.clientMedianMs} ms vs plain fetch ${report.fetchMedianMs} ms per edit ` +
      `(median of ${RUNS}); overhead ${report.overheadMs} ms, ratio ${report.ratio}`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/edit-api.json', `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await fake.close();
}
