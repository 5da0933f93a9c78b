/** Electron's `net` module, as far as this package implements it. */
import { networkInterfaces } from 'node:os';
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

/**
 * Electron's `net.isOnline()`: whether the machine has a network connection at all. Like
 * Chromium's connection-type check, this is true when any interface other than loopback has an
 * address; like Electron's, a true answer does not promise that any server is reachable.
 */
export function isOnline(): boolean {
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => !address.internal));
}

/** Electron's `net`: `request`, `isOnline()` and the read-only `online` property. */
export const net = {
  request,
  isOnline,
  get online(): boolean {
    return isOnline();
  },
};
