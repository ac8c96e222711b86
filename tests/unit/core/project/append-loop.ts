// Child process for kill.test.ts: opens the project and appends / hides / deletes layers forever, printing
// the id of each layer as soon as it is committed. The parent SIGKILLs it at random instants.
import { ProjectStore } from '../../../../electron/core/project';
import { fakeFiles, fakeLayer } from './helpers';

const dir = process.argv[2]!;
const store = await ProjectStore.open(dir);
process.stdout.write('open\n');
const big = new Uint8Array(256 * 1024).fill(7);
for (let i = 0; ; i++) {
  const files = fakeFiles(`k${i}`);
  const l = await store.appendLayer(fakeLayer(`k${i}`), { ...files, patch: big });
  process.stdout.write(`committed ${l.id}\n`);
  if (i % 3 === 2) await store.setVisible(l.id, false);
  if (i % 5 === 4) {
    // Announced before: a kill during the delete may or may not have committed it.
    process.stdout.write(`deleting ${l.id}\n`);
    await store.deleteLayer(l.id);
  }
}
