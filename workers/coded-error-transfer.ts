/**
 * Comlink carries only `name`, `message` and `stack` of a thrown error. Errors in this app carry a `code`
 * (and, for some codes, `details`) that one place turns into words for the admin, so the worker wraps Comlink's own throw handler to keep
 * it. (Comlink's deserializer already copies every field it receives onto the rethrown Error.)
 */
import { transferHandlers, type TransferHandler } from 'comlink';

interface ThrownEnvelope {
  value: unknown;
}

interface SerializedThrow {
  isError: boolean;
  value: Record<string, unknown>;
}

let isRegistered = false;

export function registerCodedErrorTransfer(): void {
  if (isRegistered) return;
  isRegistered = true;
  const builtin = transferHandlers.get('throw') as TransferHandler<ThrownEnvelope, SerializedThrow>;
  transferHandlers.set('throw', {
    canHandle: builtin.canHandle,
    serialize(thrown: ThrownEnvelope) {
      const [serialized, transferables] = builtin.serialize(thrown);
      const { code, details } = (thrown.value as { code?: unknown; details?: unknown } | null) ?? {};
      if (serialized.isError && typeof code === 'string') serialized.value.code = code;
      // Details are plain data (ids, names, reason codes): they clone as they are.
      if (serialized.isError && details !== undefined) serialized.value.details = details;
      return [serialized, transferables];
    },
    deserialize: builtin.deserialize,
  } satisfies TransferHandler<ThrownEnvelope, SerializedThrow> as TransferHandler<unknown, unknown>);
}
