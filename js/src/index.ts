/**
 * Electron's `net.request()` for Node: `import { net } from 'electron-net-wasm'` instead of
 * `require('electron')`, and the same code runs, through the electron:net WebAssembly component.
 */
export { net, request, isOnline } from './net.js';
export { ClientRequest, type LoginCallback } from './client-request.js';
export { IncomingMessage } from './incoming-message.js';
export type { ClientRequestConstructorOptions } from './options.js';
export { session, Session, Cookies, type Cookie, type CookiesGetFilter, type CookiesSetDetails } from './session.js';
export { setCredentialsProvider, type CredentialsProvider, type CredentialsRequest } from './credentials.js';
export type { AuthInfo, Credentials, UploadProgress } from '#wit/electron-net-types.js';
