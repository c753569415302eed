// Imports command metadata from a real Redis 7.0.15 into src/commands/metadata/<group>.json, in
// Redis's own command-JSON format, from what COMMAND INFO and COMMAND DOCS report (RESP3).
//
//   node --import tsx scripts/import-command-metadata.ts xadd xread 'xinfo|stream' ...
//   node --import tsx scripts/import-command-metadata.ts            (every command Mnemo binds)
//   ... --port 6379                                                 (use a running server)
//
// A plain name imports that command; a container name ("xinfo") imports it with all of its
// subcommands; "client|list" imports one subcommand (and its container). Without --port it
// starts the installed redis-server on a free port and stops it afterwards. Commands this Redis
// does not have (later versions) are left alone: write their metadata by hand from Redis's own
// src/commands/<name>.json of the version that has them, with a "provenance" field saying so.
//
// Each command is checked on the way in: the legacy key range, movablekeys and ACL categories
// that Mnemo derives from the imported data must equal what the server reported.

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { ALL_COMMANDS } from '../src/commands/index.ts';
import { METADATA_DIR } from '../src/commands/metadata.ts';
import { ACL_CATEGORIES, aclCategoryBit, categoryBits, flagBits, impliedCategories, RegisteredCommand } from '../src/commands/registry.ts';
import type { ArgumentJson, CommandMetadata, KeySpecJson } from '../src/commands/spec.ts';
import { decodeAll, ReplyError, type Reply, type Verbatim } from '../test/helpers/resp.ts';
import { startRedisReference, type ReferenceServer } from '../test/helpers/reference.ts';
import { WireConnection } from '../test/helpers/wire.ts';

/**
 * What COMMAND INFO does not show, from Redis 7.0.15's src/commands/*.json: the flags it hides
 * (SENTINEL and ONLY_SENTINEL are left out: Mnemo has no sentinel mode) and the getkeys_proc
 * names (a command with one needs a getKeys procedure in its family's table).
 */
const HIDDEN_FLAGS: Record<string, string[]> = {
  eval: ['MAY_REPLICATE'],
  evalsha: ['MAY_REPLICATE'],
  fcall: ['MAY_REPLICATE'],
  pfcount: ['MAY_REPLICATE'],
  publish: ['MAY_REPLICATE'],
  spublish: ['MAY_REPLICATE'],
  debug: ['PROTECTED'],
  'module|load': ['PROTECTED'],
  'module|loadex': ['PROTECTED'],
  'module|unload': ['PROTECTED'],
  randomkey: ['TOUCHES_ARBITRARY_KEYS'],
  scan: ['TOUCHES_ARBITRARY_KEYS'],
};

const GET_KEYS_FUNCTIONS: Record<string, string> = {
  bitfield: 'bitfieldGetKeys',
  blmpop: 'blmpopGetKeys',
  bzmpop: 'blmpopGetKeys',
  eval: 'evalGetKeys',
  eval_ro: 'evalGetKeys',
  evalsha: 'evalGetKeys',
  evalsha_ro: 'evalGetKeys',
  fcall: 'functionGetKeys',
  fcall_ro: 'functionGetKeys',
  georadius: 'georadiusGetKeys',
  georadiusbymember: 'georadiusGetKeys',
  lmpop: 'lmpopGetKeys',
  migrate: 'migrateGetKeys',
  set: 'setGetKeys',
  sintercard: 'sintercardGetKeys',
  sort: 'sortGetKeys',
  sort_ro: 'sortROGetKeys',
  xread: 'xreadGetKeys',
  xreadgroup: 'xreadGetKeys',
  zdiff: 'zunionInterDiffGetKeys',
  zdiffstore: 'zunionInterDiffStoreGetKeys',
  zinter: 'zunionInterDiffGetKeys',
  zintercard: 'zunionInterDiffGetKeys',
  zinterstore: 'zunionInterDiffStoreGetKeys',
  zmpop: 'zmpopGetKeys',
  zunion: 'zunionInterDiffGetKeys',
  zunionstore: 'zunionInterDiffStoreGetKeys',
};

type ReplyMap = Map<Reply, Reply>;

function field(map: ReplyMap, name: string): Reply | undefined {
  return map.get(name);
}

function text(value: Reply | undefined): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${String(value)}`);
  return value;
}

function list(value: Reply | undefined): Reply[] {
  if (value instanceof Set) return [...value];
  if (Array.isArray(value)) return value;
  throw new Error(`expected an aggregate, got ${String(value)}`);
}

function keySpecJson(reply: ReplyMap): KeySpecJson {
  const begin = field(reply, 'begin_search') as ReplyMap;
  const find = field(reply, 'find_keys') as ReplyMap;
  const beginSpec = field(begin, 'spec') as ReplyMap;
  const findSpec = field(find, 'spec') as ReplyMap;
  const spec: KeySpecJson = {
    flags: list(field(reply, 'flags')).map((flag) => text(flag).toUpperCase()),
    begin_search:
      field(begin, 'type') === 'index'
        ? { index: { pos: field(beginSpec, 'index') as number } }
        : field(begin, 'type') === 'keyword'
          ? { keyword: { keyword: text(field(beginSpec, 'keyword')), startfrom: field(beginSpec, 'startfrom') as number } }
          : { unknown: null },
    find_keys:
      field(find, 'type') === 'range'
        ? { range: { lastkey: field(findSpec, 'lastkey') as number, step: field(findSpec, 'keystep') as number, limit: field(findSpec, 'limit') as number } }
        : field(find, 'type') === 'keynum'
          ? { keynum: { keynumidx: field(findSpec, 'keynumidx') as number, firstkey: field(findSpec, 'firstkey') as number, step: field(findSpec, 'keystep') as number } }
          : { unknown: null },
  };
  const notes = field(reply, 'notes');
  return notes === undefined ? spec : { notes: text(notes), ...spec };
}

function argumentJson(reply: ReplyMap): ArgumentJson {
  const arg: ArgumentJson = { name: text(field(reply, 'name')), type: text(field(reply, 'type')) as ArgumentJson['type'] };
  const index = field(reply, 'key_spec_index');
  if (index !== undefined) arg.key_spec_index = index as number;
  for (const name of ['token', 'summary', 'since', 'deprecated_since'] as const) {
    const value = field(reply, name);
    if (value !== undefined) arg[name] = text(value);
  }
  const flags = field(reply, 'flags');
  for (const flag of flags === undefined ? [] : list(flags)) {
    if (flag !== 'optional' && flag !== 'multiple' && flag !== 'multiple_token') throw new Error(`unknown argument flag ${String(flag)}`);
    arg[flag] = true;
  }
  const nested = field(reply, 'arguments');
  if (nested !== undefined) arg.arguments = list(nested).map((sub) => argumentJson(sub as ReplyMap));
  return arg;
}

/** The metadata of one command (and of the wanted subcommands) from its INFO and DOCS replies. */
function metadataOf(info: Reply[], docs: ReplyMap, wantSub: (name: string) => boolean): CommandMetadata {
  const name = text(info[0]);
  const shownFlags = list(info[2]).map((flag) => text(flag).toUpperCase());
  const meta: CommandMetadata = { group: text(field(docs, 'group')).replace('-', '_'), arity: info[1] as number };
  const summary = field(docs, 'summary');
  if (summary !== undefined) meta.summary = text(summary);
  const complexity = field(docs, 'complexity');
  if (complexity !== undefined) meta.complexity = text(complexity);
  const since = field(docs, 'since');
  if (since !== undefined) meta.since = text(since);
  if (GET_KEYS_FUNCTIONS[name] !== undefined) meta.get_keys_function = GET_KEYS_FUNCTIONS[name];
  const history = field(docs, 'history');
  if (history !== undefined) meta.history = list(history).map((entry) => (entry as Reply[]).map(text) as [string, string]);
  const deprecated = field(docs, 'deprecated_since');
  if (deprecated !== undefined) meta.deprecated_since = text(deprecated);
  const replacedBy = field(docs, 'replaced_by');
  if (replacedBy !== undefined) meta.replaced_by = text(replacedBy);
  const docFlags = field(docs, 'doc_flags');
  if (docFlags !== undefined) meta.doc_flags = list(docFlags).map((flag) => text(flag).toUpperCase());
  const flags = [...shownFlags.filter((flag) => flag !== 'MOVABLEKEYS'), ...(HIDDEN_FLAGS[name] ?? [])];
  if (flags.length > 0) meta.command_flags = flags;
  const explicit = explicitCategories(name, list(info[6]).map((category) => text(category).slice(1)), flags);
  if (explicit.length > 0) meta.acl_categories = explicit;
  const tips = list(info[7]).map((tip) => text(tip).toUpperCase());
  if (tips.length > 0) meta.command_tips = tips;
  const keySpecs = list(info[8]).map((spec) => keySpecJson(spec as ReplyMap));
  if (keySpecs.length > 0) meta.key_specs = keySpecs;
  const args = field(docs, 'arguments');
  if (args !== undefined) meta.arguments = list(args).map((arg) => argumentJson(arg as ReplyMap));
  const subInfos = list(info[9]) as Reply[][];
  if (subInfos.length > 0) {
    const subDocs = field(docs, 'subcommands') as ReplyMap;
    const subs: Record<string, CommandMetadata> = {};
    for (const subInfo of subInfos.sort((a, b) => text(a[0]).localeCompare(text(b[0])))) {
      const subName = text(subInfo[0]);
      if (!wantSub(subName)) continue;
      subs[subName.slice(name.length + 1).toUpperCase()] = metadataOf(subInfo, field(subDocs, subName) as ReplyMap, () => false);
    }
    meta.subcommands = subs;
  }
  check(name, info, meta);
  return inRedisOrder(meta);
}

/** The fields in the order Redis's own command JSON files have them. */
const FIELD_ORDER = [
  'summary', 'complexity', 'group', 'since', 'arity', 'get_keys_function', 'history', 'deprecated_since', 'replaced_by',
  'doc_flags', 'command_flags', 'acl_categories', 'command_tips', 'key_specs', 'arguments', 'subcommands',
] as const;

function inRedisOrder(meta: CommandMetadata): CommandMetadata {
  const ordered: Record<string, unknown> = {};
  for (const key of FIELD_ORDER) if (meta[key] !== undefined) ordered[key] = meta[key];
  return ordered as unknown as CommandMetadata;
}

/** The categories a command states itself: what it reports minus what its flags imply. */
function explicitCategories(name: string, reported: string[], flags: string[]): string[] {
  const reportedBits = categoryBits(reported, name);
  const explicit = reportedBits & ~impliedCategories(flagBits(flags, name), reportedBits);
  return ACL_CATEGORIES.filter((category) => explicit & aclCategoryBit(category)).map((category) => category.toUpperCase());
}

/** Mnemo's derivations from the imported metadata must give back what the server reported. */
function check(name: string, info: Reply[], meta: CommandMetadata): void {
  const noop = () => {};
  const derived = new RegisteredCommand({ name, handler: noop, ...(meta.get_keys_function ? { getKeys: noop } : {}) }, { ...meta, subcommands: {} });
  const legacy = derived.legacy;
  const got = JSON.stringify([derived.flagNames, legacy.first, legacy.last, legacy.step, derived.categoryNames.map((c) => `@${c}`)]);
  const want = JSON.stringify([list(info[2]), info[3], info[4], info[5], list(info[6])]);
  if (got !== want) throw new Error(`${name}: derived ${got}, but Redis reports ${want}`);
}

async function query(conn: WireConnection, args: string[]): Promise<Reply> {
  const bytes = await conn.command(args);
  if (bytes === null) throw new Error('redis-server closed the connection');
  const [reply] = decodeAll(bytes);
  if (reply instanceof ReplyError) throw new Error(`${args.join(' ')}: ${reply.text}`);
  return reply!;
}

/**
 * The metadata of `name` (with the subcommands `wantSub` accepts) as the server at `conn`
 * reports it, or null when it has no such command. The connection must speak RESP3.
 */
export async function fetchMetadata(conn: WireConnection, name: string, wantSub: (sub: string) => boolean): Promise<CommandMetadata | null> {
  const [info] = (await query(conn, ['COMMAND', 'INFO', name])) as (Reply[] | null)[];
  if (info === null || info === undefined) return null;
  const docs = (await query(conn, ['COMMAND', 'DOCS', name])) as ReplyMap;
  return metadataOf(info, field(docs, name) as ReplyMap, wantSub);
}

function boundNames(): string[] {
  return ALL_COMMANDS.flatMap((spec) => (spec.subcommands?.length ? spec.subcommands.map((sub) => sub.name) : [spec.name]));
}

function readGroupFile(group: string): Record<string, CommandMetadata> {
  const url = new URL(`${group}.json`, METADATA_DIR);
  return existsSync(url) ? (JSON.parse(readFileSync(url, 'utf8')) as Record<string, CommandMetadata>) : {};
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args.splice(portAt, 2)[1]) : 0;
  const names = (args.length > 0 ? args : boundNames()).map((name) => name.toLowerCase());
  // Containers to import, each with the subcommands wanted (null: all of them).
  const wanted = new Map<string, Set<string> | null>();
  for (const name of names) {
    const [container, sub] = name.split('|') as [string, string | undefined];
    const subs = wanted.has(container) ? wanted.get(container)! : new Set<string>();
    wanted.set(container, sub === undefined || subs === null ? null : subs.add(name));
  }

  let reference: ReferenceServer | null = null;
  if (port === 0) reference = await startRedisReference();
  const conn = await WireConnection.connect(port || reference!.port);
  try {
    await query(conn, ['HELLO', '3']);
    const serverInfo = (await query(conn, ['INFO', 'server'])) as Verbatim;
    const version = text(serverInfo.text.match(/redis_version:(\S+)/)?.[1]);
    const byGroup = new Map<string, Record<string, CommandMetadata>>();
    for (const [name, subs] of wanted) {
      const meta = await fetchMetadata(conn, name, (sub) => subs === null || subs.has(sub));
      if (meta === null) {
        console.warn(`${name}: Redis ${version} has no such command; write its metadata by hand (see the header of this script)`);
        continue;
      }
      for (const sub of subs ?? []) {
        if (meta.subcommands?.[sub.slice(name.length + 1).toUpperCase()] === undefined) {
          console.warn(`${sub}: Redis ${version} has no such subcommand; write its metadata by hand (see the header of this script)`);
        }
      }
      const group = meta.group;
      if (!byGroup.has(group)) byGroup.set(group, readGroupFile(group));
      const file = byGroup.get(group)!;
      const key = name.toUpperCase();
      // Importing some subcommands of a container keeps the ones imported before.
      if (subs !== null && file[key]?.subcommands) meta.subcommands = { ...file[key].subcommands, ...meta.subcommands };
      file[key] = meta;
      console.log(`${name}: imported from Redis ${version}`);
    }
    for (const [group, entries] of byGroup) {
      const sorted = Object.fromEntries(Object.entries(entries).sort(([a], [b]) => a.localeCompare(b)));
      for (const meta of Object.values(sorted)) {
        if (meta.subcommands) meta.subcommands = Object.fromEntries(Object.entries(meta.subcommands).sort(([a], [b]) => a.localeCompare(b)));
      }
      writeFileSync(new URL(`${group}.json`, METADATA_DIR), `${JSON.stringify(sorted, null, 4)}\n`);
    }
  } finally {
    conn.close();
    await reference?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
