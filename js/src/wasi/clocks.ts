/** `wasi:clocks/monotonic-clock` on `process.hrtime`, in nanoseconds, and `wasi:clocks/wall-clock`. */
import { hrtime } from 'node:process';
import { Pollable } from './io.js';

export const monotonicClock = {
  now: (): bigint => hrtime.bigint(),
  resolution: (): bigint => 1n,
  /**
   * The component only reads these with `ready()` (its deadlines are enforced by the wasi:http
   * implementation's timers, which wake the request), so nothing needs a timer here.
   */
  subscribeInstant: (when: bigint): Pollable => Pollable.of(() => hrtime.bigint() >= when),
  subscribeDuration: (duration: bigint): Pollable => monotonicClock.subscribeInstant(hrtime.bigint() + duration),
};

export const wallClock = {
  now(): { seconds: bigint; nanoseconds: number } {
    const milliseconds = Date.now();
    return { seconds: BigInt(Math.floor(milliseconds / 1000)), nanoseconds: (milliseconds % 1000) * 1_000_000 };
  },
  resolution: (): { seconds: bigint; nanoseconds: number } => ({ seconds: 0n, nanoseconds: 1_000_000 }),
};
