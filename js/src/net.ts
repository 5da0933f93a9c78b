/** Electron's `net` module, as far as this package implements it. */
import { ClientRequest } from './client-request.js';
import type { IncomingMessage } from './incoming-message.js';
import type { ClientRequestConstructorOptions } from './options.js';

/** Creates a request; nothing is sent before `end()` (or, chunked, the first `write()`). */
export function request(
  options: ClientRequestConstructorOptions | string,
  callback?: (response: IncomingMessage) => void,
): ClientRequest {
  return new ClientRequest(options, callback);
}

export const net = { request };
