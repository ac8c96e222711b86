import { findChromium } from '../tests/support/chromium';

try {
  const p = findChromium({ install: true, log: (s) => console.log(s) });
  console.log(`Chromium for browser tests: ${p}`);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
