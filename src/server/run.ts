// Starting and stopping a whole server: configuration, log, keyspace, listeners, cron, pidfile,
// with redis-server's log lines at the same steps (harnesses wait for them).

import { rmSync, writeFileSync } from 'node:fs';
import { Server, type ServerOptions } from './server.ts';
import { MNEMO_VERSION, REDIS_VERSION } from '../version.ts';
import { RedisListener } from './listener.ts';
import { MemcachedListener } from '../memcached/listener.ts';
import { configWords } from './config.ts';
import { applyLines, fatal, StartupError, type StartupLine } from './startup.ts';
import type { Logger } from './log.ts';
import { PgListener } from '../analytics/pgwire/listener.ts';
import { MetricsListener } from '../observability/metrics.ts';
import { sqlEngineOf } from '../commands/sql.ts';
import { AppendOnlyFile } from '../persistence/aof/aof.ts';
import { Replication } from '../replication/replication.ts';
import { Cluster } from '../cluster/cluster.ts';
import type tls from 'node:tls';
import { TLS_CONTEXT_SETTINGS, TlsConfigError, tlsServerOptions } from '../security/tls.ts';

/** Where a daemon writes its pid when no pidfile is configured (Redis: /var/run/redis.pid). */
export const DEFAULT_PIDFILE = '/var/run/mnemo.pid';

/** strerror's words for the bind errors redis-server reports. */
const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'Address already in use',
  EACCES: 'Permission denied',
  EADDRNOTAVAIL: 'Cannot assign requested address',
};

/** A listener that could not open, in redis-server's words (every front fails the same way). */
function reportListenFailure(log: Logger, error: unknown, hosts: readonly string[], port: number): void {
  const failed = error as NodeJS.ErrnoException & { address?: string };
  const reason = BIND_ERRORS[failed.code ?? ''] ?? failed.message;
  if (failed.address?.startsWith('/')) {
    log.warning(`Failed opening Unix socket: bind: ${reason}`);
  } else {
    log.warning(`Warning: Could not create server TCP listening socket ${failed.address ?? hosts.join(' ')}:${port}: bind: ${reason}`);
    log.warning(`Failed listening on port ${port} (TCP), aborting.`);
  }
}

export interface StartOptions extends ServerOptions {
  /** Config lines as from a redis.conf file and --flags. */
  lines?: readonly StartupLine[];
  /** The config file the lines came from, for CONFIG REWRITE. */
  configFile?: string;
  /** Overrides the configured port; 0 picks a free one. */
  port?: number;
  host?: string;
  /** Writes the log (stdout or logfile, syslog) as redis-server does; embedded servers stay quiet. */
  log?: boolean;
  /** Runs as redis-server does as a process: changes to `dir`, as Redis does while reading it. */
  process?: boolean;
  /** A daemon: lines meant for stdout are dropped and a pidfile is always written. */
  daemon?: boolean;
  /** Runs once a SHUTDOWN or a signal has stopped the server (the CLI exits there). */
  onExit?: () => void;
}

export interface RunningServer {
  server: Server;
  host: string;
  port: number;
  /** redis://host:port */
  url: string;
  /** Stops the server: listeners, connections, cron, pidfile (the log says "bye bye"). */
  close(): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const server = new Server(options);
  const { config, log } = server;
  server.configFile = options.configFile ?? null;
  // An embedded server (a test of another project, an in-process cache) writes no dump.rdb
  // into its host's working directory unless asked to: save points are off unless configured.
  if (!options.process && options.config?.save === undefined) config.set('save', '', true);
  const notes = options.lines ? applyLines(config, options.lines, MNEMO_VERSION) : [];
  if (options.port !== undefined) config.set('port', String(options.port), true);
  if (options.host !== undefined) config.set('bind', options.host, true);
  if (options.daemon && config.get('pidfile') === '') config.set('pidfile', DEFAULT_PIDFILE, true);
  if (options.process) process.chdir(config.get('dir'));
  // An embedded server (tests of other projects, in-process use) writes no snapshot into the
  // host's working directory unless asked to: Redis's default save points apply to processes.
  else if (options.config?.save === undefined && !options.lines?.some((line) => /^\s*save\s/i.test(line.text))) config.set('save', '', true);
  if (options.log) log.enable({ detached: options.daemon ?? false });

  // Redis's start-up lines. The first two name Mnemo (nobody should mistake it for Redis in
  // its own log); the lines tools wait for keep Redis's exact text.
  log.warning('oO0OoO0OoO0Oo Mnemo is starting oO0OoO0OoO0Oo');
  log.warning(`Mnemo version=${MNEMO_VERSION}, redis_version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`);
  log.warning(
    options.lines && options.lines.length > 0
      ? 'Configuration loaded'
      : 'Warning: no config file specified, using the default config. In order to specify a config file use mnemo-server /path/to/redis.conf',
  );
  for (const note of notes) log.log(note.level, note.message);
  for (const [from, to] of config.renamedCommands) {
    const problem = server.commands.rename(from, to);
    if (problem !== null) throw fatal(MNEMO_VERSION, problem, `>>> 'rename-command ${from} ${to === '' ? '""' : to}'\n`);
  }
  const aclProblem = server.acl.loadAtStartup(config.userLines);
  if (aclProblem !== null) {
    for (const line of aclProblem) log.warning(line);
    throw new StartupError(aclProblem.join('\n'));
  }
  // CONFIG SET of such a setting is logged as at start-up.
  config.onChange((name) => {
    const note = config.unsupportedNote(name);
    if (note !== null) log.log(note.level, note.message);
  });

  const hosts = configWords(config.get('bind'));
  const unixsocket = config.get('unixsocket');
  const listener = new RedisListener(server);
  server.listener = listener;
  let port = config.number('port');
  const tlsPort = config.number('tls-port');
  const tlsOptions = tlsPort > 0 ? configureTls(server) : null;
  // Port 0 with a unix socket or a TLS port listens there only, as in Redis; without either it
  // picks a free TCP port (Redis would have nowhere to listen and exit).
  const tcp = port !== 0 || (unixsocket === '' && tlsOptions === null);
  try {
    if (tcp) port = await listener.listen(port, hosts);
    if (tlsOptions !== null) await listener.listenTls(tlsPort, hosts, tlsOptions);
    if (unixsocket !== '') await listener.listenUnix(unixsocket, parseInt(config.get('unixsocketperm'), 8));
  } catch (error) {
    await listener.close();
    reportListenFailure(log, error, hosts, port);
    throw error;
  }
  config.set('port', String(port), true);
  const pidfile = config.get('pidfile');
  if (pidfile !== '') {
    try {
      writeFileSync(pidfile, `${process.pid}\n`);
    } catch (error) {
      log.warning(`Failed to write PID file: ${(error as Error).message}`);
    }
  }
  const showLogo =
    config.bool('always-show-logo') || (!config.bool('syslog-enabled') && config.get('logfile') === '' && process.stdout.isTTY === true);
  if (showLogo) log.raw('notice', logo(port));
  else log.notice(`Running mode=${config.bool('cluster-enabled') ? 'cluster' : 'standalone'}, port=${port}.`);
  log.warning('Server initialized');
  // As redis-server: the dataset is loaded before "Ready to accept connections": from dump.rdb
  // in steps, so clients that connect meanwhile get -LOADING, or, when appendonly is on, from
  // the append-only directory (its own loader).
  try {
    if (!config.bool('appendonly')) await server.persistence.loadIncrementally();
    AppendOnlyFile.of(server).startup();
  } catch (error) {
    log.warning(`Fatal error loading the DB: ${(error as Error).message}. Exiting.`);
    await listener.close();
    throw error;
  }
  server.startCron();
  // The cluster's redirection check goes in before replication's READONLY check: a replica
  // answers a write to a slot with MOVED, as Redis does.
  if (config.bool('cluster-enabled')) {
    try {
      await Cluster.of(server).start(hosts);
    } catch (error) {
      server.stopCron();
      await listener.close();
      reportListenFailure(log, error, hosts, Cluster.of(server).busPort);
      throw error;
    }
  }
  // Also a primary's: min-replicas-to-write refuses writes through the replication check.
  Replication.of(server).startup();

  // A front that cannot open ends start-up, and what was already listening closes with it: a
  // listener left open would keep the embedding process (a test file) from ever exiting.
  const opened: { close(): Promise<void> }[] = [listener];
  const openFront = async (front: { close(): Promise<void> }, frontPort: number, listen: () => Promise<unknown>) => {
    try {
      await listen();
    } catch (error) {
      server.stopCron();
      for (const done of opened.reverse()) await done.close();
      reportListenFailure(log, error, hosts, frontPort);
      throw error;
    }
    opened.push(front);
  };
  // memcached-port 0 (the default) keeps the Memcached front off.
  const memcachedPort = config.number('memcached-port');
  const memcached = memcachedPort > 0 ? new MemcachedListener(server) : null;
  if (memcached !== null) {
    await openFront(memcached, memcachedPort, () => memcached.listen(memcachedPort, hosts));
    log.notice(`Memcached protocol on ${hosts.join(' ')} port ${memcachedPort}`);
  }
  // sql-port 0 (the default) keeps the PostgreSQL front off.
  const sqlPort = server.config.number('sql-port');
  const sql = sqlPort > 0 ? new PgListener(sqlEngineOf(server), () => server.config.get('requirepass')) : null;
  if (sql !== null) {
    await openFront(sql, sqlPort, () => sql.listen(sqlPort, hosts, server.config.number('tcp-backlog')));
    log.notice(`PostgreSQL protocol on ${hosts.join(' ')} port ${sqlPort}`);
  }
  // metrics-port 0 (the default) keeps the Prometheus endpoint off.
  const metricsPort = server.config.number('metrics-port');
  const metrics = metricsPort > 0 ? new MetricsListener(server, memcached) : null;
  if (metrics !== null) {
    await openFront(metrics, metricsPort, () => metrics.listen(metricsPort, hosts, server.config.number('tcp-backlog')));
    log.notice(`Prometheus metrics on ${hosts.join(' ')} port ${metricsPort}, path /metrics`);
  }
  if (tcp || tlsOptions !== null) log.notice('Ready to accept connections');
  if (unixsocket !== '') log.notice(`The server is now ready to accept connections at ${unixsocket}`);

  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= (async () => {
      server.stopCron();
      server.unpauseClients();
      if (pidfile !== '') {
        log.notice('Removing the pid file.');
        rmSync(pidfile, { force: true });
      }
      if (unixsocket !== '') log.notice('Removing the unix socket file.');
      await listener.close();
      AppendOnlyFile.existing(server)?.close();
      Replication.existing(server)?.stop();
      await Cluster.existing(server)?.stop();
      await memcached?.close();
      await sql?.close();
      await metrics?.close();
      // Redis's own words: scripts and harnesses wait for this line to know the server is gone.
      log.warning('Redis is now ready to exit, bye bye...');
      log.close();
    })();
    return closed;
  };
  server.shutdown = async () => {
    await close();
    options.onExit?.();
  };
  const host = connectAddress(hosts[0] ?? '127.0.0.1');
  return {
    server,
    host,
    port,
    url: `redis://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close,
  };
}

/** An address a client can reach a bind address at ("-::1" is ::1, "*" is loopback). */
/** The TLS options at start-up (a bad setting stops it, as in Redis), kept current on CONFIG SET. */
function configureTls(server: Server): tls.TlsOptions {
  const { config, log } = server;
  let options: tls.TlsOptions;
  try {
    options = tlsServerOptions(config);
  } catch (error) {
    if (!(error instanceof TlsConfigError)) throw error;
    log.warning(error.message);
    log.warning('Failed to configure TLS. Check logs for more info.');
    throw new StartupError(`Failed to configure TLS: ${error.message}`);
  }
  config.onChange((name) => {
    if (!TLS_CONTEXT_SETTINGS.has(name)) return;
    try {
      server.listener?.setSecureContext(tlsServerOptions(config));
    } catch (error) {
      log.warning(`Unable to update TLS configuration: ${(error as Error).message}`);
    }
  });
  return options;
}

function connectAddress(bind: string): string {
  const bare = bind.replace(/^-/, '');
  return bare === '*' || bare === '0.0.0.0' ? '127.0.0.1' : bare === '::*' || bare === '::' ? '::1' : bare;
}

/** The block always-show-logo prints: Mnemo's own drawing beside the facts Redis's logo gives. */
function logo(port: number): string {
  const art = [
    '                                                  ',
    '   _ __ ___  _ __   ___ _ __ ___   ___            ',
    "  | '_ ` _ \\| '_ \\ / _ \\ '_ ` _ \\ / _ \\           ",
    '  | | | | | | | | |  __/ | | | | | (_) |          ',
    '  |_| |_| |_|_| |_|\\___|_| |_| |_|\\___/           ',
    '                                                  ',
  ];
  const facts = [
    '',
    `Mnemo ${MNEMO_VERSION} (Redis ${REDIS_VERSION} compatible) 64 bit`,
    'Running in standalone mode',
    `Port: ${port}`,
    `PID: ${process.pid}`,
    '',
  ];
  return `${art.map((line, i) => `${line}${facts[i]}`.trimEnd()).join('\n')}\n\n`;
}
