// A stand-in for the 'electron' module: every API is a proxy that records the calls made on it. whenReady()
// never resolves, so what runs is exactly what main does at load, before any window exists.
const calls = [];
globalThis.__electronCalls = calls;
function stub(name) {
  const fn = function () {};
  return new Proxy(fn, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === 'whenReady')
        return () => {
          calls.push(`${name}.whenReady`);
          return new Promise(() => {});
        };
      if (prop === 'requestSingleInstanceLock')
        return () => {
          calls.push(`${name}.requestSingleInstanceLock`);
          return true;
        };
      if (prop === 'getPath') return (p) => `${process.env.MASKROOM_STUB_DIR ?? '/tmp'}/${p}`;
      if (prop === Symbol.toPrimitive) return () => name;
      return stub(`${name}.${String(prop)}`);
    },
    apply(_t, _this, args) {
      calls.push(`${name}(${args.length})`);
      return stub(`${name}()`);
    },
    construct() {
      return stub(`new ${name}`);
    },
  });
}
export const app = stub('app'),
  BrowserWindow = stub('BrowserWindow'),
  ipcMain = stub('ipcMain'),
  protocol = stub('protocol'),
  session = stub('session'),
  dialog = stub('dialog'),
  Menu = stub('Menu'),
  nativeImage = stub('nativeImage'),
  safeStorage = stub('safeStorage'),
  screen = stub('screen'),
  shell = stub('shell'),
  net = stub('net'),
  webContents = stub('webContents');
export default {
  app,
  BrowserWindow,
  ipcMain,
  protocol,
  session,
  dialog,
  Menu,
  nativeImage,
  safeStorage,
  screen,
  shell,
  net,
  webContents,
};
process.on('exit', () => process.stdout.write(`${JSON.stringify({ electronCalls: calls })}\n`));
