/** Turns the component's `request-error` into the JavaScript error Electron throws or emits. */
import type { RequestError } from '#wit/electron-net-types.js';

export function toError(error: RequestError): Error {
  return error.class === 'type-error' ? new TypeError(error.message) : new Error(error.message);
}

/** jco throws an export's `err` as a `ComponentError` whose `payload` is the WIT value. */
function isRequestError(value: unknown): value is RequestError {
  return typeof value === 'object' && value !== null && 'message' in value && 'class' in value && 'code' in value;
}

/**
 * What the component threw that was not one of its `request-error`s: a trap (a Rust panic, an
 * exhausted resource) or an exception from an import passing through it. The instance it came
 * from can never be entered again. Its message is the one every request of that instance fails
 * with; `cause` holds what was thrown.
 */
export class ComponentTrap extends Error {
  constructor(cause: unknown) {
    super('net::ERR_FAILED', { cause });
    this.name = 'ComponentTrap';
  }
}

/** Whether an export call is in progress: the component instance cannot be entered twice. */
let inExport = false;

/**
 * Calls an export, rethrowing its `request-error` as Electron's Error or TypeError and anything
 * else as a {@link ComponentTrap}. A call made while another is in progress (from a credentials
 * provider, which runs inside one) is refused before it reaches the component, where it would
 * trap the instance.
 */
export function callExport<T>(call: () => T): T {
  if (inExport) {
    throw new Error(
      'electron-net: a credentials provider cannot call into a request while the component waits for its answer; ' +
        'defer the call (for example with setImmediate)',
    );
  }
  inExport = true;
  try {
    return call();
  } catch (thrown) {
    const payload = (thrown as { payload?: unknown } | null)?.payload;
    throw isRequestError(payload) ? toError(payload) : new ComponentTrap(thrown);
  } finally {
    inExport = false;
  }
}
