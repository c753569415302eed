// Starts the example: three Mnemo nodes, three redis-sentinel processes and the web app.
//   node --import tsx examples/session-store/start.ts [--app-port 3000] [--down-after-ms 3000]
// Then type "kill" and Enter to SIGKILL the primary and watch the sentinels promote a replica.

import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startApp } from './app.ts';
import { startGroup } from './group.ts';

const { values } = parseArgs({ options: { 'app-port': { type: 'string', default: '3000' }, 'down-after-ms': { type: 'string', default: '3000' } } });
const group = await startGroup({ downAfterMs: Number(values['down-after-ms']) });
const app = await startApp(group.sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })), Number(values['app-port']));
console.log(`Mnemo nodes on ports ${group.nodes.map((node) => node.port).join(', ')}; the primary is ${await group.primaryPort()}`);
console.log(`sentinels on ports ${group.sentinels.map((sentinel) => sentinel.port).join(', ')}`);
console.log(`the app is on http://127.0.0.1:${app.port}/ ; type "kill" to SIGKILL the primary, Ctrl-C to stop`);

const stop = async () => {
  await app.close();
  await group.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'kill') continue;
  const oldPort = await group.primaryPort();
  const primary = group.nodes.find((node) => node.port === oldPort);
  if (primary === undefined) {
    console.log('the sentinels do not agree on a primary yet');
    continue;
  }
  await group.kill(primary);
  console.log(`killed the primary on ${oldPort}; waiting for the sentinels...`);
  const started = Date.now();
  const newPort = await group.failedOver(oldPort);
  console.log(`the sentinels promoted ${newPort} after ${((Date.now() - started) / 1000).toFixed(1)} s; your session is still there`);
}
