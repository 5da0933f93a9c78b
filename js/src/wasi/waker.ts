/**
 * Who to tell when a WASI resource changes state.
 *
 * The component never blocks under Node: it is polled, and polling a request that has nothing to
 * do costs a round trip into wasm. Instead of polling on a timer, every resource the component
 * creates remembers the waker that was current when it was created (the ClientRequest whose
 * export call created it) and calls it when something the component could act on happens:
 * a response head, body bytes, room in an upload buffer, an error, a timeout. An idle request
 * therefore costs nothing at all.
 */
export type Waker = () => void;

const nobody: Waker = () => {};
let current: Waker = nobody;

/** The waker of the export call in progress (a no-op outside one). */
export function currentWaker(): Waker {
  return current;
}

/** Runs `fn` (an export call) so that resources it creates wake `waker`. */
export function withWaker<T>(waker: Waker, fn: () => T): T {
  const previous = current;
  current = waker;
  try {
    return fn();
  } finally {
    current = previous;
  }
}
