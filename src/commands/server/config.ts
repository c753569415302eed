// CONFIG GET/SET/RESETSTAT/REWRITE/HELP over the server's one configuration table.

import { Buffer } from 'node:buffer';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  CommandError,
  configRewriteFailed,
  configSetFailed,
  configSetUnknown,
  NO_CONFIG_FILE,
  quoteArg,
  SYNTAX,
} from '../../errors.ts';
import { ConfigError, configWords, quoteConfigValue, type ConfigDef } from '../../server/config.ts';
import type { Server } from '../../server/server.ts';
import { stringMatch } from '../../util/glob.ts';
import type { CommandContext, CommandSpec } from '../spec.ts';
import { helpReply } from './help.ts';
import { everyCommand } from './info.ts';

const GLOB_CHARS = /[[*?]/;

/** CONFIG GET: exact names are looked up (and echoed as typed); patterns match names and aliases. */
function configGet({ argv, server, w }: CommandContext): void {
  const config = server.config;
  const found = new Map<string, string>();
  for (let i = 2; i < argv.length; i++) {
    const pattern = argv[i]!.toString('latin1');
    if (!GLOB_CHARS.test(pattern)) {
      if (config.def(pattern) !== undefined && !found.has(pattern)) found.set(pattern, config.get(pattern));
      continue;
    }
    for (const def of config.table) {
      if (def.hidden) continue;
      for (const name of [def.name, ...(def.aliases ?? [])]) {
        if (found.has(name) || !stringMatch(argv[i]!, Buffer.from(name, 'latin1'), true)) continue;
        found.set(name, config.get(def.name));
      }
    }
  }
  w.map(found.size);
  for (const [name, value] of found) {
    w.bulkString(name);
    w.bulkString(value);
  }
}

/** CONFIG SET name value [name value ...]: all settings change, or none. */
function configSet({ argv, server, w }: CommandContext): void {
  if (argv.length % 2 !== 0) throw new CommandError(SYNTAX);
  const config = server.config;
  const pairs: [ConfigDef, string, string][] = [];
  let unknown: string | null = null;
  let failure: [string, string] | null = null;
  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i]!.toString();
    const def = config.def(name);
    if (def === undefined) {
      unknown ??= quoteArg(argv[i]!);
      continue;
    }
    if (unknown !== null || failure !== null) continue;
    if (!def.mutable) failure = [name, "can't set immutable config"];
    else if (pairs.some(([seen]) => seen === def)) failure = [name, 'duplicate parameter'];
    pairs.push([def, argv[i + 1]!.toString(), config.get(def.name)]);
  }
  if (unknown !== null) throw new CommandError(configSetUnknown(unknown));
  if (failure === null) {
    const applied: [ConfigDef, string, string][] = [];
    for (const pair of pairs) {
      try {
        config.set(pair[0].name, pair[1]);
        applied.push(pair);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        for (const [def, , old] of applied.reverse()) config.set(def.name, old, true);
        failure = [pair[0].name, error.message];
        break;
      }
    }
  }
  if (failure !== null) {
    throw new CommandError(configSetFailed(failure[0], failure[1]));
  }
  w.ok();
}

/** Redis's resetServerStats plus the per-command counters. */
export function resetStats(server: Server): void {
  const s = server.stats;
  s.connectionsReceived = 0;
  s.rejectedConnections = 0;
  s.commandsProcessed = 0;
  s.netInputBytes = 0;
  s.netOutputBytes = 0;
  s.errors.clear();
  s.totalErrorReplies = 0;
  const ks = server.keyspace.stats;
  ks.hits = 0;
  ks.misses = 0;
  ks.expiredKeys = 0;
  ks.expiredByCycle = 0;
  ks.expireCycleMs = 0;
  ks.evictedKeys = 0;
  server.keyspace.evictor.resetStats();
  for (const cmd of everyCommand(server)) {
    cmd.stats.calls = 0;
    cmd.stats.usec = 0;
    cmd.stats.rejected = 0;
    cmd.stats.failed = 0;
    delete cmd.stats.histogram;
  }
}

/**
 * The config file's lines with each setting Mnemo knows replaced by its current value, later
 * duplicates dropped, other lines (comments, unknown directives) kept; settings that differ
 * from their defaults and were not in the file are appended, as Redis's rewriteConfig does.
 * The ACL users replace the file's `user` lines (all of them, the default user included), unless
 * an aclfile keeps them.
 */
export function rewriteConfigText(server: Server, original: string): string {
  const config = server.config;
  const written = new Set<ConfigDef>();
  const lines: string[] = [];
  const userLines = config.get('aclfile') === '' ? server.acl.list() : [];
  let usersWritten = false;
  for (const line of original.split('\n')) {
    const word = /^\s*([^\s#]\S*)/.exec(line)?.[1];
    if (word?.toLowerCase() === 'user') {
      if (!usersWritten) lines.push(...userLines);
      usersWritten = true;
      continue;
    }
    const def = word === undefined ? undefined : config.def(word);
    if (def === undefined) {
      lines.push(line);
      continue;
    }
    if (written.has(def)) continue;
    written.add(def);
    // A primary's file loses its replicaof line (redis-server would refuse `replicaof ""`).
    if (def.name === 'replicaof' && config.get(def.name) === '') continue;
    lines.push(configLine(def, config.get(def.name)));
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const appended = config.table.filter((def) => !written.has(def) && !config.isDefault(def.name));
  const appendedUsers = usersWritten ? [] : userLines;
  if (appended.length > 0 || appendedUsers.length > 0) {
    lines.push('# Generated by CONFIG REWRITE');
    for (const def of appended) lines.push(configLine(def, config.get(def.name)));
    lines.push(...appendedUsers);
  }
  return `${lines.join('\n')}\n`;
}

/** A setting's line; one of several arguments (save, bind, replicaof, ...) goes as its words, as Redis writes it. */
function configLine(def: ConfigDef, value: string): string {
  const words = def.multiArg ? configWords(value) : [value];
  return `${def.name} ${words.length === 0 ? '""' : words.map(quoteConfigValue).join(' ')}`;
}

function configRewrite({ server, w }: CommandContext): void {
  const file = server.configFile;
  if (file === null) throw new CommandError(NO_CONFIG_FILE);
  try {
    const text = rewriteConfigText(server, readFileSync(file, 'utf8'));
    // Written aside and renamed, so a crash never leaves a half-written config.
    const temp = `${file}.tmp-${process.pid}`;
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (error) {
    throw new CommandError(configRewriteFailed((error as Error).message));
  }
  w.ok();
}

export const configCommands: CommandSpec[] = [
  {
    name: 'config',
    subcommands: [
      {
        name: 'config|get',
        handler: configGet,
      },
      {
        name: 'config|set',
        handler: configSet,
      },
      {
        name: 'config|resetstat',
        handler: ({ server, w }) => {
          resetStats(server);
          w.ok();
        },
      },
      {
        name: 'config|rewrite',
        handler: configRewrite,
      },
      {
        name: 'config|help',
        handler: ({ w }) =>
          helpReply(w, 'CONFIG', [
            'GET <pattern>',
            '    Return parameters matching the glob-like <pattern> and their values.',
            'SET <directive> <value>',
            '    Set the configuration <directive> to <value>.',
            'RESETSTAT',
            '    Reset statistics reported by the INFO command.',
            'REWRITE',
            '    Rewrite the configuration file.',
          ]),
      },
    ],
  },
];
