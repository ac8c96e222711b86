/**
 * Fakes of the few Electron objects the shell touches. Each records what the shell registered, so a test
 * can fire the event Electron would fire and see what the shell decided.
 */
type Listener = (...args: never[]) => unknown;

export class FakeEmitter {
  readonly listeners = new Map<string, Listener[]>();
  on(name: string, l: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), l]);
    return this;
  }
  /** Fires an event whose first argument is an Electron-style event; returns whether it was prevented. */
  fire(name: string, extra: Record<string, unknown> = {}, ...args: unknown[]): boolean {
    let prevented = false;
    const event = { ...extra, preventDefault: () => void (prevented = true) };
    for (const l of this.listeners.get(name) ?? []) (l as (...a: unknown[]) => unknown)(event, ...args);
    return prevented;
  }
}

export class FakeWebContents extends FakeEmitter {
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.openHandler = h;
  }
}

export class FakeSession extends FakeEmitter {
  permissionRequest:
    ((wc: unknown, permission: string, cb: (ok: boolean) => void, details: unknown) => void) | null = null;
  permissionCheck: ((...a: unknown[]) => boolean) | null = null;
  devicePermission: ((...a: unknown[]) => boolean) | null = null;
  beforeRequest: ((details: { url: string }, cb: (r: { cancel?: boolean }) => void) => void) | null = null;
  headersReceived:
    | ((
        details: { url: string; responseHeaders?: Record<string, string[]> },
        cb: (r: { responseHeaders?: Record<string, string[]> }) => void,
      ) => void)
    | null = null;
  setPermissionRequestHandler(h: FakeSession['permissionRequest']): void {
    this.permissionRequest = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheck']): void {
    this.permissionCheck = h;
  }
  setDevicePermissionHandler(h: FakeSession['devicePermission']): void {
    this.devicePermission = h;
  }
  readonly webRequest = {
    onBeforeRequest: (h: FakeSession['beforeRequest']) => void (this.beforeRequest = h),
    onHeadersReceived: (h: FakeSession['headersReceived']) => void (this.headersReceived = h),
  };

  /** What the guard answers for a request to `url`. */
  request(url: string): { cancel?: boolean } {
    let answer: { cancel?: boolean } | null = null;
    this.beforeRequest?.({ url }, (r) => (answer = r));
    if (!answer) throw new Error('the guard did not answer');
    return answer;
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  handle(channel: string, h: (event: unknown, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, h);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke(channel, ...args) would resolve to, or reject with. */
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, ...args);
  }
}

/** An IPC event as Electron builds it, from a window's main frame showing `url`. */
export function ipcEvent(
  senderId: number,
  url = 'maskroom://app/index.html',
  opts: { subFrame?: boolean; noFrame?: boolean } = {},
) {
  const dragged: unknown[] = [];
  return {
    sender: { id: senderId, startDrag: (item: unknown) => void dragged.push(item) },
    senderFrame: opts.noFrame ? null : { url, parent: opts.subFrame ? { url } : null },
    dragged,
  };
}
