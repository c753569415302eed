// Starting and stopping a whole server: configuration, keyspace, listeners, cron.

import { Server, MNEMO_VERSION, type ServerOptions } from './server.ts';
import { RedisListener } from './listener.ts';
import { MemcachedListener } from '../memcached/listener.ts';
import { applyLines, type StartupLine } from './startup.ts';

export interface StartOptions extends ServerOptions {
  /** Config lines as from a redis.conf file and --flags. */
  lines?: readonly StartupLine[];
  /** The config file the lines came from, for CONFIG REWRITE. */
  configFile?: string;
  /** Overrides the configured port; 0 picks a free one. */
  port?: number;
  host?: string;
  log?: boolean;
}

export interface RunningServer {
  server: Server;
  host: string;
  port: number;
  /** redis://host:port */
  url: string;
  close(): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const server = new Server(options);
  server.configFile = options.configFile ?? null;
  if (options.lines) applyLines(server.config, options.lines, MNEMO_VERSION);
  if (options.port !== undefined) server.config.set('port', String(options.port), true);
  if (options.host !== undefined) server.config.set('bind', options.host, true);
  const hosts = server.config.get('bind').split(/\s+/).filter(Boolean).map((h) => h.replace(/^-/, ''));
  const listener = new RedisListener(server);
  server.listener = listener;
  const port = await listener.listen(server.config.number('port'), hosts);
  server.config.set('port', String(port), true);
  server.startCron();
  const host = hosts[0]!;
  if (options.log) console.log(`Mnemo ${MNEMO_VERSION} ready to accept connections on ${hosts.join(', ')} port ${port}`);
  // memcached-port 0 (the default) keeps the Memcached front off.
  const memcachedPort = server.config.number('memcached-port');
  const memcached = memcachedPort > 0 ? new MemcachedListener(server) : null;
  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= (async () => {
      server.stopCron();
      server.unpauseClients();
      await listener.close();
      await memcached?.close();
    })();
    return closed;
  };
  if (memcached !== null) {
    try {
      await memcached.listen(memcachedPort, hosts);
    } catch (error) {
      await close();
      throw error;
    }
    if (options.log) console.log(`Memcached protocol on ${hosts.join(', ')} port ${memcachedPort}`);
  }
  server.shutdown = close;
  return {
    server,
    host,
    port,
    url: `redis://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close,
  };
}
