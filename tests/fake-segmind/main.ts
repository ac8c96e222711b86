/**
 * Runs the fake Segmind standalone:
 *   npx tsx tests/fake-segmind/main.ts --port N [--latency-ms N] [--fault NAME[@endpoint]] [--credits N] [--api-key K]
 *     [--output-shape url|array|data-uri|base64] [--output-host same|other-http|other-https]
 *     [--upload-key file_urls|urls] [--v1-json] [--cost USD]
 * Prints its bases, then serves until interrupted. Point Maskroom at it with
 *   SEGMIND_API_BASE=<api> SEGMIND_STORAGE_BASE=<storage> SEGMIND_API_KEY=<key>
 */
import {
  faultNames,
  startFakeSegmind,
  type FakeEndpoint,
  type Fault,
  type FaultName,
  type OutputHost,
  type OutputShape,
} from './server';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function parseFault(spec: string | undefined): Fault | null {
  if (!spec) return null;
  const [name, endpoint] = spec.split('@');
  if (!(faultNames as readonly string[]).includes(name ?? '')) {
    console.error(`Unknown fault "${name}"; use one of ${faultNames.join(', ')}.`);
    process.exit(1);
  }
  return { name: name as FaultName, ...(endpoint ? { endpoint: endpoint as FakeEndpoint } : {}) };
}

const fake = await startFakeSegmind({
  port: Number(arg('port') ?? 0),
  latencyMs: Number(arg('latency-ms') ?? 0),
  ...(arg('credits') ? { credits: Number(arg('credits')) } : {}),
  ...(arg('api-key') ? { apiKey: arg('api-key') } : {}),
  fault: parseFault(arg('fault')),
  ...(arg('output-shape') ? { outputShape: arg('output-shape') as OutputShape } : {}),
  ...(arg('output-host') ? { outputHost: arg('output-host') as OutputHost } : {}),
  ...(arg('upload-key') ? { uploadKey: arg('upload-key') as 'file_urls' | 'urls' } : {}),
  ...(process.argv.includes('--v1-json') ? { v1AsJson: true } : {}),
  ...(arg('cost') ? { costUsd: Number(arg('cost')) } : {}),
});
console.log(`Fake Segmind API:     ${fake.apiBase}`);
console.log(`Fake Segmind storage: ${fake.storageBase}`);
console.log(`API key:              ${fake.apiKey}`);
const stop = () => void fake.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
