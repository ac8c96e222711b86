/**
 * Builds window.maskroom from a transport. The preload (Electron IPC) and the web host's bridge (HTTP +
 * server-sent events) each supply only a transport; the object the renderer sees is the same.
 */
import type {
  CallName,
  CallRequest,
  CallResponse,
  EventName,
  EventPayload,
  MaskroomApi,
  WireResult,
} from './contract';
import { AppError } from './errors';

export interface BridgeTransport {
  host: MaskroomApi['host'];
  invoke(name: CallName, request: unknown): Promise<WireResult<unknown>>;
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
  dragOut: MaskroomApi['dragOut'];
  saveAs: MaskroomApi['saveAs'];
}

export function createBridge(t: BridgeTransport): MaskroomApi {
  return {
    host: t.host,
    async invoke<K extends CallName>(name: K, request: CallRequest<K>): Promise<CallResponse<K>> {
      const res = await t.invoke(name, request);
      if (!res.ok) throw new AppError(res.error.code, res.error.message);
      return res.value as CallResponse<K>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return t.subscribe(event, (p) => listener(p as EventPayload<E>));
    },
    dragOut: (req) => t.dragOut(req),
    saveAs: (req) => t.saveAs(req),
  };
}
