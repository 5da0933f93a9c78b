/** Electron's `session` module, as far as requests need it: partitions and their cookies. */
import { type Cookie, type CookiesGetFilter, type CookiesSetDetails, cookieStore } from './session-backend.js';

export type { Cookie, CookiesGetFilter, CookiesSetDetails };

const partitionOf = new WeakMap<Session, string>();

/** The partition a Session stands for (what a request with `session:` uses). */
export function sessionPartition(session: Session): string {
  return partitionOf.get(session) ?? '';
}

/** Electron's `Cookies`: the cookie jar of one session. */
export class Cookies {
  readonly #partition: string;

  /** @internal Sessions create their own. */
  constructor(partition: string) {
    this.#partition = partition;
  }

  async get(filter: CookiesGetFilter = {}): Promise<Cookie[]> {
    return cookieStore.get(this.#partition, filter);
  }

  async set(details: CookiesSetDetails): Promise<void> {
    cookieStore.set(this.#partition, details);
  }

  async remove(url: string, name: string): Promise<void> {
    cookieStore.remove(this.#partition, url, name);
  }

  /** Partitions are kept in memory, so there is nothing to write. */
  async flushStore(): Promise<void> {}
}

/** Electron's `Session`, limited to what `net.request` uses: its partition and cookies. */
export class Session {
  readonly cookies: Cookies;

  /** @internal Use `session.defaultSession` or `session.fromPartition()`. */
  constructor(partition: string) {
    partitionOf.set(this, partition);
    this.cookies = new Cookies(partition);
  }
}

const sessions = new Map<string, Session>();

export const session = {
  /** The session of partition `''`. */
  get defaultSession(): Session {
    return session.fromPartition('');
  },

  /** The session of a partition, the same object every time for the same name. */
  fromPartition(partition: string): Session {
    const name = String(partition);
    let found = sessions.get(name);
    if (found === undefined) {
      found = new Session(name);
      sessions.set(name, found);
    }
    return found;
  },
};
