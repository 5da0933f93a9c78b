// Run by errors.test.ts in a child process that trusts the test CA: requests each URL given and
// prints, as JSON, "status body" or the error message for each.
import { net } from '../src/index.js';
import type { IncomingMessage } from '../src/index.js';
import { readAll } from './helpers.js';

function outcome(url: string): Promise<string> {
  return new Promise((resolve) => {
    const request = net.request(url);
    request.on('error', (error: Error) => resolve(error.message));
    request.on('response', async (response: IncomingMessage) =>
      resolve(`${response.statusCode} ${(await readAll(response)).toString()}`),
    );
    request.end();
  });
}

const results: string[] = [];
for (const url of process.argv.slice(2)) {
  results.push(await outcome(url));
}
process.stdout.write(JSON.stringify(results));
