/** Turns the component's `request-error` into the JavaScript error Electron throws or emits. */
import type { RequestError } from '#wit/electron-net-types.js';

export function toError(error: RequestError): Error {
  return error.class === 'type-error' ? new TypeError(error.message) : new Error(error.message);
}

/** jco throws an export's `err` as a `ComponentError` whose `payload` is the WIT value. */
function isRequestError(value: unknown): value is RequestError {
  return typeof value === 'object' && value !== null && 'message' in value && 'class' in value && 'code' in value;
}

/** Calls an export, rethrowing its `request-error` as Electron's Error or TypeError. */
export function callExport<T>(call: () => T): T {
  try {
    return call();
  } catch (thrown) {
    const payload = (thrown as { payload?: unknown } | null)?.payload;
    throw isRequestError(payload) ? toError(payload) : thrown;
  }
}
