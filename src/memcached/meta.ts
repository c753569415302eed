// The meta protocol: mg (get), ms (set), md (delete), ma (arithmetic), mn (no-op) and me
// (debug), with memcached 1.6's flags: base64 keys, opaque tokens, quiet mode, returned
// cas/flags/ttl/size/key/hit/last-access, vivify on miss, recache, stale items and win
// tokens, set and arithmetic modes.

import { parseFlags, parseInt32, parseU64, parseUnsigned } from '../protocol/memcached/numbers.ts';
import { BAD_FORMAT, KEY_MAX_LENGTH, OUT_OF_MEMORY, type TextRequest } from '../protocol/memcached/text.ts';
import type { OutBuffer } from '../protocol/memcached/out.ts';
import { NON_NUMERIC, StoreMode, Stored, type MemcachedStore } from './store.ts';

const OPAQUE_MAX = 32;
const BAD_TOKEN = 'CLIENT_ERROR bad token in command line format';
const BAD_FLAG = 'CLIENT_ERROR invalid or duplicate flag';
const NON_NUMERIC_VALUE = 'CLIENT_ERROR cannot increment or decrement non-numeric value';

/** The request flags, parsed as memcached's _meta_flag_preparse does. */
interface MetaFlags {
  key: Buffer;
  base64: boolean;
  value: boolean;
  quiet: boolean;
  noUpdate: boolean;
  /** Deadline for a vivified item, or null when N was not given. */
  vivify: number | null;
  /** New deadline (T), or null. */
  ttl: number | null;
  /** Recache threshold (R) as a deadline, or null. */
  recache: number | null;
  clientFlags: number;
  /** C: the CAS to compare, or -1. */
  cas: number;
  /** M: the mode character, or 0. */
  mode: number;
  initial: bigint;
  delta: bigint;
  invalidate: boolean;
}

function line(out: OutBuffer, text: string): void {
  out.ascii(text).crlf();
}

export function runMeta(store: MemcachedStore, out: OutBuffer, name: string, req: TextRequest): void {
  const tokens = req.tokens();
  if (name === 'mn') return line(out, 'MN');
  if (name === 'ms' && req.error !== null) return line(out, req.error);
  if (tokens.length < 2) return line(out, name === 'me' ? BAD_FORMAT : 'ERROR');
  if (tokens[1]!.length > KEY_MAX_LENGTH) return line(out, BAD_FORMAT);
  const first = name === 'ms' ? 3 : 2;
  const flags = preparse(store, tokens, first);
  switch (name) {
    case 'mg':
      if (typeof flags === 'string') return line(out, flags);
      return metaGet(store, out, tokens, flags);
    case 'ms':
      if (typeof flags === 'string') return line(out, flags);
      return metaSet(store, out, tokens, flags, req.data!);
    case 'md':
      if (typeof flags === 'string') return line(out, BAD_FLAG);
      return metaDelete(store, out, tokens, flags);
    case 'ma':
      if (typeof flags === 'string') return line(out, BAD_FLAG);
      return metaArith(store, out, tokens, flags);
    default:
      return metaDebug(store, out, tokens);
  }
}

function preparse(store: MemcachedStore, tokens: Buffer[], first: number): MetaFlags | string {
  const flags: MetaFlags = {
    key: tokens[1]!,
    base64: false,
    value: false,
    quiet: false,
    noUpdate: false,
    vivify: null,
    ttl: null,
    recache: null,
    clientFlags: 0,
    cas: -1,
    mode: 0,
    initial: 0n,
    delta: 1n,
    invalidate: false,
  };
  let error: string | null = null;
  const seen = new Set<number>();
  for (let i = first; i < tokens.length; i++) {
    const token = tokens[i]!;
    const flag = token[0]!;
    if (flag >= 127 || seen.has(flag)) return 'CLIENT_ERROR duplicate flag';
    seen.add(flag);
    switch (String.fromCharCode(flag)) {
      case 'b': {
        const decoded = decodeBase64(flags.key);
        if (decoded === null) error = 'CLIENT_ERROR error decoding key';
        else flags.key = decoded;
        flags.base64 = true;
        break;
      }
      case 'N':
      case 'T':
      case 'R': {
        const seconds = parseInt32(token, 1);
        if (Number.isNaN(seconds)) {
          error = BAD_TOKEN;
          break;
        }
        const deadline = store.deadline(seconds);
        if (flag === 78) flags.vivify = deadline;
        else if (flag === 84) flags.ttl = deadline;
        else flags.recache = deadline;
        break;
      }
      case 'v':
        flags.value = true;
        break;
      case 'u':
        flags.noUpdate = true;
        break;
      case 'q':
        flags.quiet = true;
        break;
      case 'I':
        flags.invalidate = true;
        break;
      case 'F':
        flags.clientFlags = parseFlags(token, 1);
        if (flags.clientFlags < 0) error ??= BAD_FORMAT;
        break;
      case 'C':
        flags.cas = parseUnsigned(token, 1);
        if (flags.cas < 0) error = BAD_TOKEN;
        break;
      case 'M':
        if (token.length !== 2) error = 'CLIENT_ERROR incorrect length for M token';
        else flags.mode = token[1]!;
        break;
      case 'J': {
        const initial = parseU64(token, 1);
        if (initial === null) error = 'CLIENT_ERROR invalid numeric initial value';
        else flags.initial = initial;
        break;
      }
      case 'D': {
        const delta = parseU64(token, 1);
        if (delta === null) error = 'CLIENT_ERROR invalid numeric delta value';
        else flags.delta = delta;
        break;
      }
      case 'O':
      case 'P':
      case 'L':
      case 'k':
      case 's':
      case 't':
      case 'c':
      case 'f':
      case 'l':
      case 'h':
        break;
      default:
        return 'CLIENT_ERROR invalid flag';
    }
  }
  return error ?? flags;
}

/** Strict base64 as memcached decodes keys: whole quads, padding only at the end. */
function decodeBase64(token: Buffer): Buffer | null {
  if (token.length === 0 || token.length % 4 !== 0) return null;
  const text = token.toString('latin1');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64');
}

/** Writes the O (opaque) and k (key) flags that every meta reply echoes; false on a too-long opaque. */
function echoFlag(out: OutBuffer, token: Buffer, key: Buffer, base64: boolean): boolean {
  const flag = token[0];
  if (flag === 79) {
    if (token.length > OPAQUE_MAX) return false;
    out.byte(32).bytes(token);
  } else if (flag === 107) {
    out.ascii(' k');
    if (base64) out.ascii(key.toString('base64')).ascii(' b');
    else out.bytes(key);
  }
  return true;
}

/** A reply line without item data: the status word and the echoed O and k flags. */
function statusLine(out: OutBuffer, status: string, tokens: Buffer[], flags: MetaFlags): void {
  out.ascii(status);
  for (let i = 2; i < tokens.length; i++) echoFlag(out, tokens[i]!, flags.key, flags.base64);
  out.crlf();
}

function ttlFlag(store: MemcachedStore, out: OutBuffer, id: number): void {
  const ttl = store.ttlOf(id);
  out.ascii(' t');
  if (ttl < 0) out.ascii('-1');
  else out.uint(ttl);
}

function metaGet(store: MemcachedStore, out: OutBuffer, tokens: Buffer[], flags: MetaFlags): void {
  const db = store.db;
  const key = flags.key;
  store.stats.cmdGet++;
  // The LRU clock and the fetched mark must be read before this access updates them.
  store.keyspace.touchKeys = false;
  let id = store.find(key);
  let created = false;
  if (id < 0 && flags.vivify !== null) {
    id = store.vivify(key);
    created = true;
  }
  if (id < 0) {
    store.stats.getMisses++;
    store.keyspace.stats.misses++;
    if (!flags.quiet) statusLine(out, 'EN', tokens, flags);
    return;
  }
  if (!created) {
    store.stats.getHits++;
    store.keyspace.stats.hits++;
  }
  const lease = store.leaseOf(key, id);
  let tokenSent = lease?.tokenSent ?? false;
  const stale = lease?.stale ?? false;
  let won = false;
  const range = db.stringRange(id, store.range);
  const size = range.end - range.start;
  const start = out.length;
  if (flags.value) out.ascii('VA ').uint(size);
  else out.ascii('HD');
  for (let i = 2; i < tokens.length; i++) {
    const token = tokens[i]!;
    switch (token[0]) {
      case 84: // T
        store.setDeadline(id, flags.ttl!);
        break;
      case 78: // N
        if (created) {
          store.setDeadline(id, flags.vivify!);
          won = true;
        }
        break;
      case 82: // R
        if (!tokenSent && !created && db.expireAt(id) >= 0 && db.expireAt(id) < flags.recache!) won = true;
        break;
      case 115: // s
        out.ascii(' s').uint(size);
        break;
      case 116: // t
        ttlFlag(store, out, id);
        break;
      case 99: // c
        out.ascii(' c').uint(db.casOf(id));
        break;
      case 102: // f
        out.ascii(' f').uint(db.flagsOf(id));
        break;
      case 108: // l
        out.ascii(' l').uint((store.keyspace.lruClock - db.lruOf(id)) & 0xffffff);
        break;
      case 104: // h
        out.ascii(' h').uint(store.wasFetched(id) ? 1 : 0);
        break;
      default:
        if (!echoFlag(out, token, key, flags.base64)) {
          out.truncate(start);
          return line(out, 'CLIENT_ERROR opaque token too long');
        }
    }
  }
  if (tokenSent) out.ascii(' Z');
  if (stale) {
    out.ascii(' X');
    if (!tokenSent) won = true;
  }
  if (won) {
    out.ascii(' W');
    tokenSent = true;
  }
  out.crlf();
  if (won || created) store.setLease(key, id, stale, tokenSent);
  if (flags.value) {
    const r = db.stringRange(id, store.range);
    out.bytes(r.buf, r.start, r.end).crlf();
  }
  if (!flags.noUpdate) {
    db.touch(id);
    store.markFetched(id);
  }
}


const SET_MODES: Record<number, StoreMode> = {
  69: StoreMode.Add, // E
  65: StoreMode.Append, // A
  80: StoreMode.Prepend, // P
  82: StoreMode.Replace, // R
  83: StoreMode.Set, // S
};

const SET_REPLIES: Record<Stored, string> = {
  [Stored.Stored]: 'HD',
  [Stored.NotStored]: 'NS',
  [Stored.Exists]: 'EX',
  [Stored.NotFound]: 'NF',
  [Stored.NoMemory]: OUT_OF_MEMORY,
};

function metaSet(store: MemcachedStore, out: OutBuffer, tokens: Buffer[], flags: MetaFlags, data: Buffer): void {
  const mode = flags.mode === 0 ? StoreMode.Set : SET_MODES[flags.mode];
  if (mode === undefined) return line(out, 'CLIENT_ERROR invalid mode for ms M token');
  for (let i = 3; i < tokens.length; i++) {
    if (tokens[i]![0] === 79 && tokens[i]!.length > OPAQUE_MAX) return line(out, 'CLIENT_ERROR opaque token too long');
  }
  const db = store.db;
  const key = flags.key;
  const deadline = flags.ttl ?? -1;
  let result: Stored;
  const existing = store.find(key);
  const concat = mode === StoreMode.Append || mode === StoreMode.Prepend;
  if (flags.cas >= 0 && flags.invalidate && existing >= 0 && !concat && flags.cas < db.casOf(existing)) {
    // An invalidating set with an older CAS still stores, but as a stale item that keeps
    // the old version's win token.
    const tokenSent = store.leaseOf(key, existing)?.tokenSent ?? false;
    result = store.store(mode, key, data, flags.clientFlags, deadline);
    if (result === Stored.Stored && store.lastId >= 0) store.setLease(key, store.lastId, true, tokenSent);
  } else {
    result = store.store(mode, key, data, flags.clientFlags, deadline, flags.cas >= 0 ? flags.cas || -1 : 0);
  }
  if (result === Stored.Stored && flags.quiet) return;
  // Like memcached's mset: the error line alone, quiet or not.
  if (result === Stored.NoMemory) return line(out, OUT_OF_MEMORY);
  out.ascii(SET_REPLIES[result]);
  for (let i = 3; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token[0] === 99) {
      const id = store.find(key);
      out.ascii(' c').uint(id >= 0 && result === Stored.Stored ? db.casOf(id) : 0);
    } else echoFlag(out, token, key, flags.base64);
  }
  out.crlf();
}

function metaDelete(store: MemcachedStore, out: OutBuffer, tokens: Buffer[], flags: MetaFlags): void {
  const db = store.db;
  const key = flags.key;
  const id = store.find(key);
  let reply: string;
  if (id < 0) {
    store.stats.deleteMisses++;
    reply = 'NF';
  } else if (flags.cas >= 0 && db.casOf(id) !== flags.cas) {
    store.stats.deleteMisses++;
    reply = 'EX';
  } else {
    if (flags.invalidate) {
      if (flags.ttl !== null) store.setDeadline(id, flags.ttl);
      // A same-length resize is the engine's way to give the item a new CAS.
      db.resizeString(id, db.stringLength(id), store.range);
      store.setLease(key, id, true, false);
    } else {
      store.stats.deleteHits++;
      store.deleteItem(id);
    }
    if (flags.quiet) return;
    reply = 'HD';
  }
  statusLine(out, reply, tokens, flags);
}

function metaArith(store: MemcachedStore, out: OutBuffer, tokens: Buffer[], flags: MetaFlags): void {
  let incr = true;
  if (flags.mode !== 0) {
    const mode = String.fromCharCode(flags.mode);
    if ('Ii+'.includes(mode)) incr = true;
    else if ('Dd-'.includes(mode)) incr = false;
    else return line(out, 'CLIENT_ERROR invalid mode for ma M token');
  }
  const db = store.db;
  const stats = store.stats;
  const key = flags.key;
  let id = store.find(key);
  let value: bigint | null = null;
  let created = false;
  let status = 'HD';
  if (id >= 0 && flags.cas >= 0 && db.casOf(id) !== flags.cas) {
    status = 'EX';
    id = -1;
  } else if (id >= 0) {
    const result = store.arith(id, incr, flags.delta);
    if (result === NON_NUMERIC) return line(out, NON_NUMERIC_VALUE);
    if (incr) stats.incrHits++;
    else stats.decrHits++;
    value = result;
  } else if (flags.vivify !== null) {
    id = store.storeNumber(key, flags.initial, -1);
    value = flags.initial;
    created = true;
  } else {
    if (incr) stats.incrMisses++;
    else stats.decrMisses++;
    status = 'NF';
  }
  if (id < 0) return statusLine(out, status, tokens, flags);
  if (flags.quiet && !flags.value) {
    applyArithTtl(store, tokens, flags, id, created);
    return;
  }
  const text = value!.toString();
  if (flags.value) out.ascii('VA ').uint(text.length);
  else out.ascii('HD');
  for (let i = 2; i < tokens.length; i++) {
    const token = tokens[i]!;
    switch (token[0]) {
      case 99: // c
        out.ascii(' c').uint(db.casOf(id));
        break;
      case 116: // t
        ttlFlag(store, out, id);
        break;
      case 84: // T
        store.setDeadline(id, flags.ttl!);
        break;
      case 78: // N
        if (created) store.setDeadline(id, flags.vivify!);
        break;
      default:
        echoFlag(out, token, key, flags.base64);
    }
  }
  out.crlf();
  if (flags.value) out.ascii(text).crlf();
}

function applyArithTtl(store: MemcachedStore, tokens: Buffer[], flags: MetaFlags, id: number, created: boolean): void {
  for (let i = 2; i < tokens.length; i++) {
    const flag = tokens[i]![0];
    if (flag === 84) store.setDeadline(id, flags.ttl!);
    else if (flag === 78 && created) store.setDeadline(id, flags.vivify!);
  }
}

/** me: memcached's item debug line (Mnemo has one slab class; size is the entry's memory). */
function metaDebug(store: MemcachedStore, out: OutBuffer, tokens: Buffer[]): void {
  const key = tokens[1]!;
  const db = store.db;
  store.keyspace.touchKeys = false;
  const id = store.find(key);
  if (id < 0) return line(out, 'EN');
  const la = (store.keyspace.lruClock - db.lruOf(id)) & 0xffffff;
  out.ascii('ME ').bytes(key);
  out.ascii(` exp=${store.ttlOf(id)} la=${la} cas=${db.casOf(id)} fetch=${store.wasFetched(id) ? 'yes' : 'no'} cls=1 size=${db.memoryUsage(id)}`).crlf();
}
