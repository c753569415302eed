// The one configuration table: every setting with its Redis name, type, default, whether
// CONFIG SET may change it, and its validation. redis.conf-style files, command-line flags,
// CONFIG GET/SET/REWRITE and INFO all read this table.

import { parseMemory } from '../util/numbers.ts';
import { formatOutputLimits, parseOutputLimits, type OutputLimits } from './output-limits.ts';

export type ConfigType = 'bool' | 'int' | 'memory' | 'string' | 'enum';

export interface ConfigDef {
  name: string;
  aliases?: readonly string[];
  type: ConfigType;
  default: string;
  /** Whether CONFIG SET may change it while running. */
  mutable: boolean;
  min?: number;
  max?: number;
  /** Allowed words for 'enum' (and for 'string' when given). */
  values?: readonly string[];
  /** Extra validation: the Redis error text for a bad value, or null. */
  validate?: (value: string) => string | null;
  /** Canonical form of an accepted value (as CONFIG GET shows it). */
  /** Canonical form of an accepted value (as CONFIG GET shows it), given the value it replaces. */
  normalize?: (value: string, previous: string | undefined) => string;
}

export class ConfigError extends Error {}

function yesNo(value: string): string | null {
  const lower = value.toLowerCase();
  return lower === 'yes' || lower === 'no' ? null : "argument must be 'yes' or 'no'";
}

const bool = (name: string, value: boolean, mutable = true, aliases?: string[]): ConfigDef => ({
  name,
  type: 'bool',
  default: value ? 'yes' : 'no',
  mutable,
  ...(aliases ? { aliases } : {}),
});
const int = (name: string, value: number, min: number, max: number, mutable = true, aliases?: string[]): ConfigDef => ({
  name,
  type: 'int',
  default: String(value),
  mutable,
  min,
  max,
  ...(aliases ? { aliases } : {}),
});
const memory = (name: string, value: string, mutable = true, min = 0, max = Number.MAX_SAFE_INTEGER): ConfigDef => ({
  name,
  type: 'memory',
  default: value,
  mutable,
  min,
  max,
});
const text = (name: string, value: string, mutable = true, aliases?: string[]): ConfigDef => ({
  name,
  type: 'string',
  default: value,
  mutable,
  ...(aliases ? { aliases } : {}),
});
const choice = (name: string, value: string, values: string[], mutable = true): ConfigDef => ({
  name,
  type: 'enum',
  default: value,
  mutable,
  values,
});

const INT_MAX = 2147483647;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const CONFIG_DEFS: readonly ConfigDef[] = [
  // Network and clients
  text('bind', '127.0.0.1', true),
  int('port', 6379, 0, 65535),
  int('tcp-backlog', 511, 0, INT_MAX, false),
  int('tcp-keepalive', 300, 0, INT_MAX),
  int('timeout', 0, 0, INT_MAX),
  int('maxclients', 10000, 1, INT_MAX),
  bool('protected-mode', true),
  text('unixsocket', '', false),
  text('requirepass', ''),
  int('databases', 16, 1, INT_MAX, false),
  memory('proto-max-bulk-len', '512mb', true, 1024 * 1024),
  memory('client-query-buffer-limit', '1gb', true, 1024 * 1024),
  {
    ...text('client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'),
    validate: (value) => {
      const parsed = parseOutputLimits(value);
      return typeof parsed === 'string' ? parsed : null;
    },
    normalize: (value, previous) => {
      const base = previous === undefined ? undefined : (parseOutputLimits(previous) as OutputLimits);
      return formatOutputLimits(parseOutputLimits(value, base) as OutputLimits);
    },
  },
  // Redis accepts any non-negative hz and clamps it to 1..500.
  { ...int('hz', 10, 0, INT_MAX), normalize: (value) => String(Math.min(500, Math.max(1, Number(value)))) },
  bool('dynamic-hz', true),
  int('io-threads', 1, 1, 128, false),
  // Process
  choice('daemonize', 'no', ['no'], false),
  choice('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning', 'nothing']),
  text('logfile', '', false),
  text('pidfile', '', false),
  text('dir', '.'),
  choice('enable-debug-command', 'no', ['no', 'yes', 'local'], false),
  choice('enable-protected-configs', 'no', ['no', 'yes', 'local'], false),
  choice('enable-module-command', 'no', ['no', 'yes', 'local'], false),
  // Persistence (accepted and reported; the persistence engine reads them when it lands)
  text('save', '3600 1 300 100 60 10000'),
  text('dbfilename', 'dump.rdb'),
  bool('rdbcompression', true),
  bool('rdbchecksum', true),
  bool('stop-writes-on-bgsave-error', true),
  bool('appendonly', false),
  text('appendfilename', 'appendonly.aof', false),
  text('appenddirname', 'appendonlydir', false),
  choice('appendfsync', 'everysec', ['everysec', 'always', 'no']),
  // Replication (accepted and reported until replication lands)
  text('replicaof', '', true, ['slaveof']),
  text('masterauth', ''),
  text('masteruser', ''),
  bool('replica-read-only', true, true, ['slave-read-only']),
  memory('repl-backlog-size', '1mb', true, 1),
  // Memory and eviction
  memory('maxmemory', '0'),
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
  int('maxmemory-samples', 5, 1, 64),
  int('lfu-log-factor', 10, 0, INT_MAX),
  int('lfu-decay-time', 1, 0, INT_MAX),
  int('active-expire-effort', 1, 1, 10),
  bool('activerehashing', true),
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-user-flush', false),
  // Encodings of small collections (Redis 7.0 names; the *-ziplist-* names are aliases)
  int('hash-max-listpack-entries', 512, 0, LONG_MAX, true, ['hash-max-ziplist-entries']),
  int('hash-max-listpack-value', 64, 0, LONG_MAX, true, ['hash-max-ziplist-value']),
  int('list-max-listpack-size', -2, -5, INT_MAX, true, ['list-max-ziplist-size']),
  int('list-compress-depth', 0, 0, INT_MAX),
  int('set-max-intset-entries', 512, 0, LONG_MAX),
  int('zset-max-listpack-entries', 128, 0, LONG_MAX, true, ['zset-max-ziplist-entries']),
  int('zset-max-listpack-value', 64, 0, LONG_MAX, true, ['zset-max-ziplist-value']),
  int('stream-node-max-bytes', 4096, 0, LONG_MAX),
  int('stream-node-max-entries', 100, 0, LONG_MAX),
  // Observability
  int('slowlog-log-slower-than', 10000, -1, LONG_MAX),
  int('slowlog-max-len', 128, 0, LONG_MAX),
  int('latency-monitor-threshold', 0, 0, LONG_MAX),
  text('notify-keyspace-events', ''),
  // Cluster (reported until clustering lands)
  bool('cluster-enabled', false, false),
  // Memcached front
  int('memcached-port', 0, 0, 65535, false),
  memory('memcached-max-item-size', '1mb', false, 1024, 1024 * 1024 * 1024),
  // PostgreSQL wire protocol front of the analytics engine
  int('sql-port', 0, 0, 65535, false),
];

export class Config {
  private readonly defs = new Map<string, ConfigDef>();
  private readonly values = new Map<string, string>();
  private readonly numbers = new Map<string, number>();
  private readonly listeners: ((name: string, value: string) => void)[] = [];

  constructor(readonly table: readonly ConfigDef[] = CONFIG_DEFS) {
    for (const def of table) {
      this.defs.set(def.name, def);
      for (const alias of def.aliases ?? []) this.defs.set(alias, def);
      this.values.set(def.name, this.check(def, def.default));
    }
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
    this.values.set(def.name, this.check(def, value));
    this.numbers.clear();
    for (const listener of this.listeners) listener(def.name, this.values.get(def.name)!);
  }

  /** Runs after every successful set, with the canonical value. */
  onChange(listener: (name: string, value: string) => void): void {
    this.listeners.push(listener);
  }

  /** name/value pairs of settings whose name or alias matches the glob (CONFIG GET). */
  matching(matches: (name: string) => boolean): [string, string][] {
    const out: [string, string][] = [];
    const seen = new Set<string>();
    for (const [name, def] of this.defs) {
      if (seen.has(name) || !matches(name)) continue;
      seen.add(name);
      out.push([name, this.values.get(def.name)!]);
    }
    return out;
  }

  /** Settings that differ from their defaults, as redis.conf lines (CONFIG REWRITE). */
  changedLines(): string[] {
    const lines: string[] = [];
    for (const def of this.table) {
      const value = this.values.get(def.name)!;
      if (value !== def.default) lines.push(`${def.name} ${quoteConfigValue(value)}`);
    }
    return lines;
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
      case 'memory': {
        const n = parseMemory(value);
        if (n === null) throw new ConfigError('argument must be a memory value');
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
