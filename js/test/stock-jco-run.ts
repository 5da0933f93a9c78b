// Run in a child process by stock-jco.test.ts: loads the standalone component as stock
// `jco transpile` emits it, on @bytecodealliance/preview2-shim alone, and makes the requests it
// is given with `blocking-poll-events` (which blocks this process's event loop, hence a child).
// Prints one JSON line per request: the events in order, bodies as text.
import { pathToFileURL } from 'node:url';

interface Event {
  tag: string;
  val?: unknown;
}
interface ClientRequest {
  write(data: Uint8Array): boolean;
  end(data?: Uint8Array): void;
  blockingPollEvents(maxEvents: number, maxBytes: number, timeoutMs: number): Event[];
  isDone(): boolean;
}
interface Standalone {
  client: { ClientRequest: { create(options: object): ClientRequest } };
  cookieAdmin: { get(partition: string, filter: object): { name: string; value: string }[] };
}

const [glue, requestsJson] = process.argv.slice(2);
const standalone = (await import(pathToFileURL(glue!).href)) as Standalone;

const decoder = new TextDecoder();
for (const { url, method, body } of JSON.parse(requestsJson!) as { url: string; method?: string; body?: string }[]) {
  const request = standalone.client.ClientRequest.create({
    fromString: false,
    url,
    method,
    headers: [],
    useSessionCookies: true,
    bypassCustomProtocolHandlers: false,
    timeouts: {},
  });
  request.end(body === undefined ? undefined : new TextEncoder().encode(body));
  const events: Event[] = [];
  while (!request.isDone()) {
    for (const event of request.blockingPollEvents(64, 1 << 20, 5000)) {
      events.push(event.tag === 'data' ? { tag: 'data', val: decoder.decode(event.val as Uint8Array) } : event);
    }
  }
  process.stdout.write(`${JSON.stringify({ events, cookies: standalone.cookieAdmin.get('', { url }) })}\n`);
}
