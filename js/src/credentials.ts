/**
 * The component's `electron:net/credentials` import: a user-settable provider consulted on a
 * 401/407 before the `login` event reaches the request (Electron's `app.on('login')` for
 * embedders). Without a provider, every login goes to the request's `login` event.
 */
import type { AuthInfo, Credentials } from '#wit/electron-net-types.js';

export interface CredentialsRequest {
  /** The session partition of the request (`''` for the default session). */
  partition: string;
  /** The URL that asked for credentials. */
  url: string;
  authInfo: AuthInfo;
  /** Counts from 1; stop answering once an answer was rejected. */
  attempt: number;
}

/** Answers synchronously (the component waits for it inside a poll); nothing means "ask the user". */
export type CredentialsProvider = (request: CredentialsRequest) => Credentials | null | undefined;

let provider: CredentialsProvider | undefined;

/** Sets (or, with `null`, removes) the provider. */
export function setCredentialsProvider(next: CredentialsProvider | null | undefined): void {
  provider = next ?? undefined;
}

export const credentialsImports = {
  provideCredentials(partition: string, url: string, authInfo: AuthInfo, attempt: number): Credentials | undefined {
    if (provider === undefined) {
      return undefined;
    }
    try {
      const answer = provider({ partition, url, authInfo: { ...authInfo }, attempt });
      return answer ? { username: String(answer.username), password: String(answer.password ?? '') } : undefined;
    } catch (error) {
      // An exception must not cross into the component (it would leave the guest mid-call);
      // report it like any throwing callback and let the login event go to the request.
      process.nextTick(() => {
        throw error;
      });
      return undefined;
    }
  },
};
