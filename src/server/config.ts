// The one configuration table: every setting with its Redis name, type, default, whether
// CONFIG SET may change it, and its validation. redis.conf-style files, command-line flags,
// CONFIG GET/SET/REWRITE and INFO all read this table.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMemory } from '../util/numbers.ts';
import { formatNotifyFlags, INVALID_NOTIFY_CLASS, parseNotifyFlags } from './effects.ts';
import { formatOutputLimits, parseOutputLimits, type OutputLimits } from './output-limits.ts';

export type ConfigType = 'bool' | 'int' | 'octal' | 'memory' | 'string' | 'enum';

/**
 * What Mnemo does with a setting. Absent: Mnemo acts on it. 'stored': it belongs to a
 * capability not built yet (persistence, replication, ACL, cluster, TLS, ...); the value is
 * kept and shown for when it lands (a value other than the default is logged at notice level).
 * 'ignored': it tunes a mechanism Node has no equivalent of (jemalloc, I/O threads, OOM score,
 * ...); a value other than the default is logged as ignored, at warning level.
 */
export type ConfigSupport = 'stored' | 'ignored';

export interface ConfigDef {
  name: string;
  aliases?: readonly string[];
  type: ConfigType;
  default: string;
  /** Whether CONFIG SET may change it while running. */
  mutable: boolean;
  /** Takes several words (`save 3600 1 300 100`); a single argument is split on spaces. */
  multiArg?: boolean;
  /** Left out of CONFIG GET patterns, as Redis's HIDDEN_CONFIG debugging knobs are. */
  hidden?: boolean;
  /** A memory setting that also takes "N%" (of maxmemory), as maxmemory-clients does. */
  percent?: boolean;
  support?: ConfigSupport;
  /** Why a stored or ignored setting has no effect, for the log. */
  reason?: string;
  min?: number;
  max?: number;
  /** Allowed words for 'enum' (and for 'string' when given). */
  values?: readonly string[];
  /** Extra validation: the Redis error text for a bad value, or null. */
  validate?: (value: string) => string | null;
  /** Canonical form of an accepted value (as CONFIG GET shows it), given the value it replaces. */
  normalize?: (value: string, previous: string | undefined) => string;
}

export class ConfigError extends Error {}

function yesNo(value: string): string | null {
  const lower = value.toLowerCase();
  return lower === 'yes' || lower === 'no' ? null : "argument must be 'yes' or 'no'";
}

type Options = Partial<Omit<ConfigDef, 'name' | 'type' | 'default'>>;

/** Settings that cannot change at run time (Redis's IMMUTABLE_CONFIG). */
const FIXED: Options = { mutable: false };

const def = (name: string, type: ConfigType, value: string, options: Options = {}): ConfigDef => ({
  name,
  type,
  default: value,
  mutable: true,
  ...options,
});
const bool = (name: string, value: boolean, options?: Options) => def(name, 'bool', value ? 'yes' : 'no', options);
const int = (name: string, value: number, min: number, max: number, options?: Options) =>
  def(name, 'int', String(value), { min, max, ...options });
const memory = (name: string, value: string, min: number, max: number, options?: Options) =>
  def(name, 'memory', value, { min, max, ...options });
const text = (name: string, value: string, options?: Options) => def(name, 'string', value, options);
const choice = (name: string, value: string, values: readonly string[], options?: Options) =>
  def(name, 'enum', value, { values, ...options });

const stored = (reason: string, ...defs: ConfigDef[]): ConfigDef[] => defs.map((d) => ({ ...d, support: 'stored', reason }));
const ignored = (reason: string, ...defs: ConfigDef[]): ConfigDef[] => defs.map((d) => ({ ...d, support: 'ignored', reason }));


const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const UINT_MAX = 4294967295;
// Redis's LONG_MAX and LLONG_MAX are 2^63-1; settings are kept as JS numbers, exact up to 2^53.
const LONG_MAX = Number.MAX_SAFE_INTEGER;

/** Splits a multi-word value the way CONFIG SET and a one-argument config line give it. */
export function configWords(value: string): string[] {
  return value.split(/\s+/).filter(Boolean);
}

const PROTECTED_ACTION = ['no', 'yes', 'local'];
const SHUTDOWN_FLAGS = ['default', 'save', 'nosave', 'now', 'force'];

/** shutdown-on-sigint/-sigterm: "default" or a set of SHUTDOWN flags. */
function shutdownFlags(name: string): ConfigDef {
  return text(name, 'default', {
    multiArg: true,
    validate: (value) => {
      const words = configWords(value.toLowerCase());
      const bad = words.find((word) => !SHUTDOWN_FLAGS.includes(word));
      if (words.length === 0 || bad !== undefined) {
        return `argument(s) must be one of the following: ${SHUTDOWN_FLAGS.join(', ')}`;
      }
      if (words.includes('save') && words.includes('nosave')) return "shutdown options SAVE and NOSAVE can't be used simultaneously";
      return null;
    },
    // Shown in the enum's order, as Redis prints the flags it holds.
    normalize: (value) => {
      const words = configWords(value.toLowerCase());
      const flags = SHUTDOWN_FLAGS.slice(1).filter((flag) => words.includes(flag));
      return flags.length === 0 ? 'default' : flags.join(' ');
    },
  });
}

function saveProblem(value: string): string | null {
  const words = configWords(value);
  if (words.length % 2 !== 0) return 'Invalid save parameters';
  const valid = words.every((word, i) => /^-?\d+$/.test(word) && Number(word) >= (i % 2 === 0 ? 1 : 0));
  return valid ? null : 'Invalid save parameters';
}

export const CONFIG_DEFS: readonly ConfigDef[] = [
  // Network and clients. Mnemo binds to loopback only unless told otherwise (Redis: "* -::*").
  text('bind', '127.0.0.1', {
    multiArg: true,
    validate: (value) => (configWords(value).length > 16 ? 'Too many bind addresses specified.' : null),
    normalize: (value) => configWords(value).join(' '),
  }),
  int('port', 6379, 0, 65535),
  int('tcp-backlog', 511, 0, INT_MAX, FIXED),
  int('tcp-keepalive', 300, 0, INT_MAX),
  int('timeout', 0, 0, INT_MAX),
  int('maxclients', 10000, 1, UINT_MAX),
  text('unixsocket', '', FIXED),
  def('unixsocketperm', 'octal', '0', { min: 0, max: 0o777, ...FIXED }),
  text('requirepass', ''),
  int('databases', 16, 1, INT_MAX, FIXED),
  memory('proto-max-bulk-len', '512mb', 1024 * 1024, LONG_MAX),
  memory('client-query-buffer-limit', '1gb', 1024 * 1024, LONG_MAX),
  text('client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', {
    multiArg: true,
    validate: (value) => {
      const parsed = parseOutputLimits(value);
      return typeof parsed === 'string' ? parsed : null;
    },
    normalize: (value, previous) => {
      const base = previous === undefined ? undefined : (parseOutputLimits(previous) as OutputLimits);
      return formatOutputLimits(parseOutputLimits(value, base) as OutputLimits);
    },
  }),
  // Redis accepts any non-negative hz and clamps it to 1..500.
  { ...int('hz', 10, 0, INT_MAX), normalize: (value) => String(Math.min(500, Math.max(1, Number(value)))) },
  bool('activerehashing', true),
  // Process and logs
  bool('daemonize', false, FIXED),
  choice('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning']),
  text('logfile', '', FIXED),
  text('pidfile', '', FIXED),
  bool('syslog-enabled', false, FIXED),
  text('syslog-ident', 'redis', FIXED),
  choice('syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], FIXED),
  bool('always-show-logo', false, FIXED),
  // Shown as an absolute path, as Redis shows its working directory.
  text('dir', '.', {
    validate: (value) => (isDirectory(value) ? null : 'No such file or directory'),
    normalize: (value) => resolve(value),
  }),
  choice('enable-debug-command', 'no', PROTECTED_ACTION, FIXED),
  // Encodings of small collections (Redis 7.0 names; the *-ziplist-* names are aliases)
  int('hash-max-listpack-entries', 512, 0, LONG_MAX, { aliases: ['hash-max-ziplist-entries'] }),
  memory('hash-max-listpack-value', '64', 0, LONG_MAX, { aliases: ['hash-max-ziplist-value'] }),
  int('list-max-listpack-size', -2, INT_MIN, INT_MAX, { aliases: ['list-max-ziplist-size'] }),
  int('set-max-intset-entries', 512, 0, LONG_MAX),
  int('zset-max-listpack-entries', 128, 0, LONG_MAX, { aliases: ['zset-max-ziplist-entries'] }),
  memory('zset-max-listpack-value', '64', 0, LONG_MAX, { aliases: ['zset-max-ziplist-value'] }),
  memory('hll-sparse-max-bytes', '3000', 0, LONG_MAX),
  memory('stream-node-max-bytes', '4096', 0, LONG_MAX),
  int('stream-node-max-entries', 100, 0, LONG_MAX),
  memory('maxmemory', '0', 0, LONG_MAX),
  // Allowed words in Redis's order: CONFIG SET's error lists them.
  choice('maxmemory-policy', 'noeviction', [
    'volatile-lru',
    'volatile-lfu',
    'volatile-random',
    'volatile-ttl',
    'allkeys-lru',
    'allkeys-lfu',
    'allkeys-random',
    'noeviction',
  ]),
  int('maxmemory-samples', 5, 1, INT_MAX),
  int('maxmemory-eviction-tenacity', 10, 0, 100),
  int('lfu-log-factor', 10, 0, INT_MAX),
  int('lfu-decay-time', 1, 0, INT_MAX),
  // Hybrid storage (src/tiering/, Mnemo's own): cold values on local disk instead of evicted.
  bool('tiering-enabled', false),
  text('tiering-dir', 'tiering'),
  memory('tiering-max-memory', '0', 0, LONG_MAX),
  memory('tiering-min-value-size', '64', 0, LONG_MAX),
  choice('tiering-policy', 'lru', ['lru', 'lfu', 'age']),
  memory('tiering-max-disk', '0', 0, LONG_MAX),
  int('tiering-archive-after', 0, 0, INT_MAX),
  // Memcached front (Mnemo's own)
  int('memcached-port', 0, 0, 65535, FIXED),
  memory('memcached-max-item-size', '1mb', 1024, 1024 * 1024 * 1024, FIXED),
  // memcached's -M inverted: "no" refuses Memcached stores over maxmemory instead of evicting.
  bool('memcached-evictions', true),
  // PostgreSQL wire protocol for SQL (Mnemo's own); 0 keeps it off.
  int('sql-port', 0, 0, 65535, FIXED),
  // Prometheus metrics over HTTP (Mnemo's own); 0 keeps it off.
  int('metrics-port', 0, 0, 65535, FIXED),
  // Pub/sub, keyspace notifications and client-side caching
  int('tracking-table-max-keys', 1000000, 0, LONG_MAX),
  text('notify-keyspace-events', '', {
    validate: (value) => (parseNotifyFlags(value) < 0 ? INVALID_NOTIFY_CLASS : null),
    normalize: (value) => formatNotifyFlags(parseNotifyFlags(value)),
  }),

  // ACLs (src/security/)
  text('aclfile', '', FIXED),
  int('acllog-max-len', 128, 0, LONG_MAX),
  choice('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels']),
  bool('protected-mode', true),
  ...stored(
    'protected configs and the MODULE command are not built yet',
    choice('enable-protected-configs', 'no', PROTECTED_ACTION, FIXED),
    choice('enable-module-command', 'no', PROTECTED_ACTION, FIXED),
  ),
  // RDB snapshots (src/persistence/snapshots.ts).
  text('save', '3600 1 300 100 60 10000', {
    multiArg: true,
    validate: saveProblem,
    normalize: (value) => configWords(value).map(Number).join(' '),
  }),
  text('dbfilename', 'dump.rdb', {
    validate: (value) => (value.includes('/') ? 'dbfilename can\'t be a path, just a filename' : null),
  }),
  bool('rdbcompression', true),
  bool('rdbchecksum', true, FIXED),
  bool('stop-writes-on-bgsave-error', true),
  ...stored(
    'persistence is not built yet',
    bool('rdb-del-sync-files', false),
    bool('rdb-save-incremental-fsync', true),
    choice('sanitize-dump-payload', 'no', ['no', 'yes', 'clients']),
    bool('aof-rewrite-incremental-fsync', true),
  ),
  // The append-only file (src/persistence/aof).
  bool('appendonly', false),
  text('appendfilename', 'appendonly.aof', FIXED),
  text('appenddirname', 'appendonlydir', FIXED),
  choice('appendfsync', 'everysec', ['everysec', 'always', 'no']),
  bool('no-appendfsync-on-rewrite', false),
  int('auto-aof-rewrite-percentage', 100, 0, INT_MAX),
  memory('auto-aof-rewrite-min-size', '64mb', 0, LONG_MAX),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-timestamp-enabled', false),
  bool('aof-disable-auto-gc', false),
  // Replication (src/replication/).
  text('replicaof', '', {
    ...FIXED,
    aliases: ['slaveof'],
    multiArg: true,
    validate: (value) => {
      const words = configWords(value);
      if (words.length === 0) return null;
      if (words.length !== 2) return 'wrong number of arguments';
      if (words[0]!.toLowerCase() === 'no' && words[1]!.toLowerCase() === 'one') return null;
      const port = Number(words[1]);
      return /^\d+$/.test(words[1]!) && port <= 65535 ? null : 'Invalid master port';
    },
    normalize: (value) => {
      const words = configWords(value);
      return words.length === 2 && value.toLowerCase() !== 'no one' ? `${words[0]} ${Number(words[1])}` : '';
    },
  }),
  text('masterauth', ''),
  text('masteruser', ''),
  bool('replica-read-only', true, { aliases: ['slave-read-only'] }),
  bool('replica-announced', true),
  int('replica-announce-port', 0, 0, 65535, { aliases: ['slave-announce-port'] }),
  int('replica-priority', 100, 0, INT_MAX, { aliases: ['slave-priority'] }),
  memory('repl-backlog-size', '1mb', 1, LONG_MAX),
  int('repl-ping-replica-period', 10, 1, INT_MAX, { aliases: ['repl-ping-slave-period'] }),
  int('repl-timeout', 60, 1, INT_MAX),
  ...stored(
    'replication is not built yet',
    bool('replica-serve-stale-data', true, { aliases: ['slave-serve-stale-data'] }),
    bool('replica-ignore-maxmemory', true, { aliases: ['slave-ignore-maxmemory'] }),
    bool('replica-ignore-disk-write-errors', false),
    text('replica-announce-ip', '', { aliases: ['slave-announce-ip'] }),
    int('repl-backlog-ttl', 3600, 0, LONG_MAX),
    bool('repl-diskless-sync', true),
    int('repl-diskless-sync-delay', 5, 0, INT_MAX),
    int('repl-diskless-sync-max-replicas', 0, 0, INT_MAX),
    choice('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb']),
    bool('repl-disable-tcp-nodelay', false),
    int('min-replicas-to-write', 0, 0, INT_MAX, { aliases: ['min-slaves-to-write'] }),
    int('min-replicas-max-lag', 10, 0, INT_MAX, { aliases: ['min-slaves-max-lag'] }),
    choice('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas']),
    text('bind-source-addr', ''),
  ),
  ...stored(
    'cluster mode is not built yet',
    bool('cluster-enabled', false, FIXED),
    text('cluster-config-file', 'nodes.conf', FIXED),
    int('cluster-port', 0, 0, 65535, FIXED),
    int('cluster-node-timeout', 15000, 0, LONG_MAX),
    text('cluster-announce-ip', ''),
    text('cluster-announce-hostname', ''),
    int('cluster-announce-port', 0, 0, 65535),
    int('cluster-announce-bus-port', 0, 0, 65535),
    int('cluster-announce-tls-port', 0, 0, 65535),
    int('cluster-replica-validity-factor', 10, 0, INT_MAX, { aliases: ['cluster-slave-validity-factor'] }),
    bool('cluster-replica-no-failover', false, { aliases: ['cluster-slave-no-failover'] }),
    int('cluster-migration-barrier', 1, 0, INT_MAX),
    bool('cluster-require-full-coverage', true),
    bool('cluster-allow-reads-when-down', false),
    bool('cluster-allow-pubsubshard-when-down', true),
    bool('cluster-allow-replica-migration', true),
    choice('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint']),
    memory('cluster-link-sendbuf-limit', '0', 0, LONG_MAX),
  ),
  // TLS (src/security/tls.ts); the tls-* context settings apply again on CONFIG SET.
  int('tls-port', 0, 0, 65535),
  text('tls-cert-file', ''),
  text('tls-key-file', ''),
  text('tls-key-file-pass', ''),
  ...stored(
    'TLS for replication and cluster links is not built yet',
    text('tls-client-cert-file', ''),
    text('tls-client-key-file', ''),
    text('tls-client-key-file-pass', ''),
  ),
  text('tls-dh-params-file', ''),
  text('tls-ca-cert-file', ''),
  text('tls-ca-cert-dir', ''),
  text('tls-protocols', ''),
  text('tls-ciphers', ''),
  text('tls-ciphersuites', ''),
  choice('tls-auth-clients', 'yes', ['no', 'yes', 'optional']),
  ...stored('TLS for replication and cluster links is not built yet', bool('tls-replication', false), bool('tls-cluster', false)),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),
  ...ignored("Node's TLS server keeps no session cache to size (sessions resume by tickets)", int('tls-session-cache-size', 20480, 0, INT_MAX)),
  int('tls-session-cache-timeout', 300, 0, INT_MAX),
  ...stored(
    'eviction of clients and the active expiry effort are not built yet',
    memory('maxmemory-clients', '0', -100, LONG_MAX, { percent: true }),
    int('active-expire-effort', 1, 1, 10),
  ),
  ...stored(
    'the feature it tunes is not built yet',
    int('list-compress-depth', 0, 0, INT_MAX),
    int('busy-reply-threshold', 5000, 0, LONG_MAX, { aliases: ['lua-time-limit'] }),
  ),
  int('slowlog-log-slower-than', 10000, -1, LONG_MAX),
  int('slowlog-max-len', 128, 0, LONG_MAX),
  int('latency-monitor-threshold', 0, 0, LONG_MAX),
  bool('latency-tracking', true),
  text('latency-tracking-info-percentiles', '50 99 99.9', {
    multiArg: true,
    validate: (value) => {
      for (const word of configWords(value)) {
        const n = Number(word);
        if (word.trim() === '' || Number.isNaN(n)) return 'Invalid latency-tracking-info-percentiles parameters';
        if (n < 0 || n > 100) return 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]';
      }
      return null;
    },
    normalize: (value) => configWords(value).map((word) => String(Number(word))).join(' '),
  }),
  ...stored(
    'shutdown neither waits for replicas nor saves yet',
    int('shutdown-timeout', 10, 0, INT_MAX),
    shutdownFlags('shutdown-on-sigint'),
    shutdownFlags('shutdown-on-sigterm'),
  ),

  ...ignored(
    'Node runs one JS thread for commands and does its own I/O',
    int('io-threads', 1, 1, 128, FIXED),
    bool('io-threads-do-reads', false, FIXED),
    text('server_cpulist', '', FIXED),
    text('bio_cpulist', '', FIXED),
    text('aof_rewrite_cpulist', '', FIXED),
    text('bgsave_cpulist', '', FIXED),
  ),
  ...ignored(
    'memory is managed by V8 and Mnemo\'s own slabs, not jemalloc',
    bool('jemalloc-bg-thread', true),
    bool('activedefrag', false),
    int('active-defrag-cycle-min', 1, 1, 99),
    int('active-defrag-cycle-max', 25, 1, 99),
    int('active-defrag-threshold-lower', 10, 0, 1000),
    int('active-defrag-threshold-upper', 100, 0, 1000),
    memory('active-defrag-ignore-bytes', '100mb', 1, LONG_MAX),
    int('active-defrag-max-scan-fields', 1000, 1, LONG_MAX),
    bool('disable-thp', true, FIXED),
  ),
  ...ignored(
    'values are freed where they are dropped; Mnemo has no background freeing thread',
    bool('lazyfree-lazy-eviction', false),
    bool('lazyfree-lazy-expire', false),
    bool('lazyfree-lazy-server-del', false),
    bool('lazyfree-lazy-user-del', false),
    bool('lazyfree-lazy-user-flush', false),
    bool('replica-lazy-flush', false, { aliases: ['slave-lazy-flush'] }),
  ),
  ...ignored(
    'Mnemo does not tune the process as redis-server does',
    choice('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute']),
    text('oom-score-adj-values', '0 200 800', {
      multiArg: true,
      validate: (value) => {
        const words = configWords(value);
        if (words.length !== 3) return 'wrong number of arguments';
        const valid = words.every((word) => /^-?\d+$/.test(word) && Math.abs(Number(word)) <= 2000);
        return valid ? null : 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.';
      },
      normalize: (value) => configWords(value).map(Number).join(' '),
    }),
    bool('set-proc-title', true, FIXED),
    text('proc-title-template', '{title} {listen-addr} {server-mode}'),
    int('socket-mark-id', 0, 0, UINT_MAX, FIXED),
    bool('crash-log-enabled', true),
    bool('crash-memcheck-enabled', true),
    bool('dynamic-hz', true),
    choice('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], FIXED),
    text('ignore-warnings', ''),
    bool('use-exit-on-panic', false, { hidden: true }),
    int('rdb-key-save-delay', 0, INT_MIN, INT_MAX, { hidden: true }),
    int('key-load-delay', 0, INT_MIN, INT_MAX, { hidden: true }),
    int('watchdog-period', 0, 0, INT_MAX, { hidden: true }),
    int('loading-process-events-interval-bytes', 2 * 1024 * 1024, 1024, INT_MAX, { hidden: true }),
  ),
];

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export class Config {
  private readonly defs = new Map<string, ConfigDef>();
  private readonly values = new Map<string, string>();
  /** Values as they were set, before normalisation, where that differs (see givenValue). */
  private readonly given = new Map<string, string>();
  private readonly defaults = new Map<string, string>();
  private readonly numbers = new Map<string, number>();
  private readonly listeners: ((name: string, value: string) => void)[] = [];
  /** The config file's `user` lines (name, then rules), loaded once the server exists. */
  readonly userLines: string[][] = [];
  /** The config file's `rename-command` lines: [original name, new name or "" to remove it]. */
  readonly renamedCommands: [string, string][] = [];

  constructor(readonly table: readonly ConfigDef[] = CONFIG_DEFS) {
    for (const def of table) {
      this.defs.set(def.name, def);
      for (const alias of def.aliases ?? []) this.defs.set(alias, def);
      const value = this.check(def, def.default);
      this.values.set(def.name, value);
      this.defaults.set(def.name, value);
    }
  }

  /**
   * What the log says about a setting Mnemo keeps or ignores once it holds something other
   * than its default: a warning for an ignored one, a notice for one kept for later. Null otherwise.
   */
  unsupportedNote(name: string): { level: 'warning' | 'notice'; message: string } | null {
    const def = this.def(name)!;
    if (def.support === undefined || this.isDefault(name)) return null;
    const value = this.get(name);
    return def.support === 'ignored'
      ? { level: 'warning', message: `Ignoring '${def.name} ${value}': ${def.reason}.` }
      : { level: 'notice', message: `'${def.name} ${value}' is kept but has no effect yet: ${def.reason}.` };
  }

  /** Whether a setting holds its default (compared in canonical form: "512mb" is 536870912). */
  isDefault(name: string): boolean {
    const def = this.def(name)!;
    return this.values.get(def.name) === this.defaults.get(def.name);
  }

  def(name: string): ConfigDef | undefined {
    return this.defs.get(name.toLowerCase());
  }

  get(name: string): string {
    const def = this.def(name);
    if (!def) throw new Error(`no such config ${name}`);
    return this.values.get(def.name)!;
  }

  /** A numeric setting, parsed once per change: collection commands read their limits per call. */
  number(name: string): number {
    let value = this.numbers.get(name);
    if (value === undefined) {
      const def = this.def(name)!;
      const text = this.get(name);
      value = def.type === 'memory' ? parseMemory(text)! : Number(text);
      this.numbers.set(name, value);
    }
    return value;
  }

  /**
   * A setting as it was last set, before normalisation. Redis shows some settings in a form
   * that loses part of what they mean (notify-keyspace-events "AEn" shows as "AE" but still
   * raises "new" events), so what acts on them reads this.
   */
  givenValue(name: string): string {
    return this.given.get(this.def(name)!.name) ?? this.get(name);
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /**
   * Validates and stores a value. `startup` allows settings that are immutable at run time.
   * Throws ConfigError with Redis's reason text.
   */
  set(name: string, value: string, startup = false): void {
    const def = this.def(name);
    if (!def) throw new ConfigError('Bad directive or wrong number of arguments');
    if (!startup && !def.mutable) throw new ConfigError("can't set immutable config");
    const canonical = this.check(def, value);
    this.values.set(def.name, canonical);
    if (canonical === value) this.given.delete(def.name);
    else this.given.set(def.name, value);
    this.numbers.clear();
    for (const listener of this.listeners) listener(def.name, this.values.get(def.name)!);
  }

  /** Runs after every successful set, with the canonical value. */
  onChange(listener: (name: string, value: string) => void): void {
    this.listeners.push(listener);
  }

  private check(def: ConfigDef, raw: string): string {
    let value = raw;
    switch (def.type) {
      case 'bool': {
        const problem = yesNo(value);
        if (problem) throw new ConfigError(problem);
        value = value.toLowerCase();
        break;
      }
      case 'int': {
        if (!/^-?\d+$/.test(value)) throw new ConfigError('argument couldn\'t be parsed into an integer');
        const n = Number(value);
        if (n < def.min! || n > def.max!) throw new ConfigError(`argument must be between ${def.min} and ${def.max} inclusive`);
        value = String(n);
        break;
      }
      case 'octal': {
        if (!/^[0-7]+$/.test(value)) throw new ConfigError("argument couldn't be parsed as an octal number");
        const n = parseInt(value, 8);
        if (n < def.min! || n > def.max!) throw new ConfigError(`argument must be between ${def.min!.toString(8)} and ${def.max!.toString(8)} inclusive`);
        value = n.toString(8);
        break;
      }
      case 'memory': {
        if (def.percent && value.endsWith('%')) {
          const percent = Number(value.slice(0, -1));
          if (!/^\d+%$/.test(value) || percent > 100) throw new ConfigError('argument must be a memory or percent value');
          value = `${percent}%`;
          break;
        }
        const n = parseMemory(value);
        if (n === null) throw new ConfigError(def.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value');
        if (n < def.min! || n > def.max!) throw new ConfigError(`argument must be between ${def.min} and ${def.max} inclusive`);
        value = String(n);
        break;
      }
      case 'enum': {
        const lower = value.toLowerCase();
        if (!def.values!.includes(lower)) throw new ConfigError(`argument(s) must be one of the following: ${def.values!.join(', ')}`);
        value = lower;
        break;
      }
      case 'string':
        break;
    }
    const problem = def.validate?.(value);
    if (problem) throw new ConfigError(problem);
    return def.normalize ? def.normalize(value, this.values.get(def.name)) : value;
  }
}

export function quoteConfigValue(value: string): string {
  return value === '' || /[\s"'\\]/.test(value) ? JSON.stringify(value) : value;
}
