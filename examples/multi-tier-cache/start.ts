// Starts the example: an embedded Mnemo (Redis and Memcached protocols) and several app
// processes, each with its own L1 cache.
//   node --import tsx examples/multi-tier-cache/start.ts [--apps 3] [--port 6390] [--app-port 3001]
// Also used by the example's test, with free ports.

import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer, type RunningServer } from '../../src/index.ts';
import { freePort, spawnExample } from '../common.ts';

const APP = fileURLToPath(new URL('./app.ts', import.meta.url));

export interface AppProcess {
  port: number;
  child: ChildProcess;
}

export interface RunningExample {
  mnemo: RunningServer;
  memcachedPort: number;
  apps: AppProcess[];
  stop(): Promise<void>;
}

function startApp(url: string, port: number, loadDelayMs: number): Promise<AppProcess> {
  const child = spawnExample(APP, { MNEMO_URL: url, APP_PORT: String(port), LOAD_DELAY_MS: String(loadDelayMs) });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (\d+)/.exec(output);
      if (listening) resolve({ port: Number(listening[1]), child });
    });
    child.once('exit', (code) => reject(new Error(`app exited with ${code} before listening`)));
  });
}

export async function startExample(options: { apps?: number; port?: number; appPort?: number; loadDelayMs?: number } = {}): Promise<RunningExample> {
  const memcachedPort = await freePort();
  const mnemo = await startServer({
    port: options.port ?? 0,
    host: '127.0.0.1',
    config: { 'memcached-port': String(memcachedPort) },
  });
  const apps: AppProcess[] = [];
  const stop = async () => {
    await Promise.all(
      apps.map(({ child }) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM'))))),
    );
    await mnemo.close();
  };
  try {
    const count = options.apps ?? 3;
    const starting = Array.from({ length: count }, (_, n) =>
      startApp(mnemo.url, options.appPort === undefined ? 0 : options.appPort + n, options.loadDelayMs ?? 30),
    );
    for (const app of await Promise.allSettled(starting)) if (app.status === 'fulfilled') apps.push(app.value);
    if (apps.length < count) throw new Error('an app process failed to start');
  } catch (error) {
    await stop();
    throw error;
  }
  return { mnemo, memcachedPort, apps, stop };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { apps: { type: 'string', default: '3' }, port: { type: 'string', default: '6390' }, 'app-port': { type: 'string', default: '3001' } } });
  const example = await startExample({ apps: Number(values.apps), port: Number(values.port), appPort: Number(values['app-port']) });
  console.log(`Mnemo: ${example.mnemo.url} (Memcached protocol on port ${example.memcachedPort})`);
  for (const app of example.apps) console.log(`app: http://127.0.0.1:${app.port}/products/1   (stats: /stats, L1: /l1/1)`);
  const first = example.apps[0]!.port;
  console.log(`try: curl -X PUT -d '{"id":"1","name":"lamp","price":30}' http://127.0.0.1:${first}/products/1`);
  console.log('Ctrl-C stops everything.');
  process.on('SIGINT', () => void example.stop().then(() => process.exit(0)));
}
