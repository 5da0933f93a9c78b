/**
 * One combined pump per event-loop turn for every request that has something to do.
 *
 * Requests are scheduled when the WASI layer wakes them (network activity) or when their user
 * acts (write, end, read, abort, answers). Nothing runs for a request that waits: an idle request
 * costs no CPU, and a busy one is pumped on the next `setImmediate`, right after Node's I/O.
 */
export type Task = () => void;

const due = new Set<Task>();
let pending = false;

export function schedule(task: Task): void {
  due.add(task);
  if (!pending) {
    pending = true;
    setImmediate(runDue);
  }
}

function runDue(): void {
  pending = false;
  const tasks = [...due];
  due.clear();
  for (const task of tasks) {
    run(task);
  }
}

/**
 * Runs a task so that an exception (from a user's event listener) neither stops the other
 * requests nor disappears: it is rethrown on its own, like one thrown by any Node listener,
 * and the task is looked at again so its remaining events are still delivered.
 */
export function run(task: Task): void {
  try {
    task();
  } catch (error) {
    schedule(task);
    process.nextTick(() => {
      throw error;
    });
  }
}
