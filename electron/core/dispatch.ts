/**
 * Validates and runs one call against the handler table. Shared by the Electron IPC binding and the web
 * host: an unknown channel or an invalid payload is answered with an error, never a crash, and every
 * failure reaches the renderer as a one-sentence WireError.
 */
import type { z } from 'zod';
import { calls, isCallName, type CallName, type WireResult } from '../../shared/contract';
import { AppError, toWireError } from '../../shared/errors';
import type { HandlerTable } from './handlers';

export async function dispatch(
  table: HandlerTable,
  channel: string,
  payload: unknown,
): Promise<WireResult<unknown>> {
  try {
    if (!isCallName(channel))
      throw new AppError('invalid-input', `Maskroom has no call named "${channel.slice(0, 80)}".`);
    const name: CallName = channel;
    const parsed = calls[name].request.safeParse(payload ?? {});
    if (!parsed.success) throw new AppError('invalid-input', describeZodError(name, parsed.error));
    const handler = table[name] as (req: unknown) => Promise<unknown>;
    const value = await handler(parsed.data);
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: toWireError(e) };
  }
}

export function describeZodError(name: string, error: z.ZodError): string {
  const first = error.issues[0];
  const where = first && first.path.length ? ` (${first.path.join('.')})` : '';
  return `The request ${name} was not valid${where}: ${first?.message ?? 'unknown problem'}.`;
}
