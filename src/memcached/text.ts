// The classic text protocol: get/gets/gat/gats, the storage commands, incr/decr, touch,
// delete, flush_all, stats, version, verbosity, quit, with memcached 1.6's replies and
// errors. Meta commands (mg, ms, ...) are in meta.ts.

import { parseFlags, parseInt32, parseU64 } from '../protocol/memcached/numbers.ts';
import { BAD_FORMAT, KEY_MAX_LENGTH, OUT_OF_MEMORY, TOO_LARGE, type TextRequest } from '../protocol/memcached/text.ts';
import type { OutBuffer } from '../protocol/memcached/out.ts';
import { runMeta } from './meta.ts';
import type { Front, Session } from './session.ts';
import { changesItems, MemcachedAccess } from '../security/memcached.ts';
import { MEMCACHED_PERMISSION_DENIED as PERMISSION_DENIED } from '../errors.ts';
import { MEMCACHED_VERSION, statsGroup } from './stats.ts';
import { KEEP_DEADLINE, NON_NUMERIC, StoreMode, Stored, type MemcachedStore } from './store.ts';

const ERROR = 'ERROR';
const BAD_EXPTIME = 'CLIENT_ERROR invalid exptime argument';
const BAD_DELTA = 'CLIENT_ERROR invalid numeric delta argument';
export const NON_NUMERIC_VALUE = 'CLIENT_ERROR cannot increment or decrement non-numeric value';
const BAD_DELETE = 'CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]';
const UNAUTHENTICATED = 'CLIENT_ERROR unauthenticated';
const AUTH_FAILED = 'CLIENT_ERROR authentication failure';

const STORE_REPLIES: Record<Stored, string> = {
  [Stored.Stored]: 'STORED',
  [Stored.NotStored]: 'NOT_STORED',
  [Stored.Exists]: 'EXISTS',
  [Stored.NotFound]: 'NOT_FOUND',
  [Stored.NoMemory]: OUT_OF_MEMORY,
};

const STORE_MODES: Record<string, StoreMode> = {
  set: StoreMode.Set,
  add: StoreMode.Add,
  replace: StoreMode.Replace,
  append: StoreMode.Append,
  prepend: StoreMode.Prepend,
  cas: StoreMode.Set,
};

function line(out: OutBuffer, text: string): void {
  out.ascii(text).crlf();
}

/** Whether the command's last token asks for no reply. */
function noreply(req: TextRequest): boolean {
  return req.is(req.count - 1, 'noreply');
}

export function runText(front: Front, session: Session, req: TextRequest): void {
  const out = session.out;
  const store = front.store;
  if (req.count === 0) return line(out, ERROR);
  const name = req.name;
  if (!session.authenticated) return authenticate(front, session, name, req);
  if (!session.user.unrestricted && !permitted(front, session, name, req)) return line(out, `CLIENT_ERROR ${PERMISSION_DENIED}`);
  if (changesItems(ACCESS_BY_NAME[name]?.accesses)) {
    const refused = front.writeRefusal();
    if (refused !== null) return line(out, `SERVER_ERROR ${refused}`);
  }
  store.begin();
  switch (name) {
    case 'get':
    case 'gets':
      if (req.count < 2) return line(out, ERROR);
      return retrieve(store, out, req, 1, name === 'gets', KEEP_DEADLINE);
    case 'gat':
    case 'gats':
      return touchAndRetrieve(store, out, req, name === 'gats');
    case 'set':
    case 'add':
    case 'replace':
    case 'append':
    case 'prepend':
    case 'cas':
      return update(store, out, req, STORE_MODES[name]!, name === 'cas');
    case 'incr':
    case 'decr':
      return arith(store, out, req, name === 'incr');
    case 'delete':
      return remove(store, out, req);
    case 'touch':
      return touch(store, out, req);
    case 'flush_all':
      return flushAll(store, out, req);
    case 'version':
      return line(out, `VERSION ${MEMCACHED_VERSION}`);
    case 'verbosity':
      return verbosity(store, out, req);
    case 'stats':
      return stats(front, out, req);
    case 'quit':
      session.closing = true;
      return;
    case 'shutdown':
      return line(out, 'ERROR: shutdown not enabled');
    case 'mg':
    case 'ms':
    case 'md':
    case 'ma':
    case 'mn':
    case 'me':
      store.stats.cmdMeta++;
      return runMeta(store, out, name, req);
    default:
      return line(out, ERROR);
  }
}

/** What a text or meta command is checked as under ACLs, and where its keys start; others need no permission. */
const ACCESS_BY_NAME: Record<string, { accesses: readonly MemcachedAccess[]; firstKey: number; allKeys: boolean }> = {
  get: { accesses: [MemcachedAccess.Get], firstKey: 1, allKeys: true },
  gets: { accesses: [MemcachedAccess.Get], firstKey: 1, allKeys: true },
  gat: { accesses: [MemcachedAccess.Get, MemcachedAccess.Touch], firstKey: 2, allKeys: true },
  gats: { accesses: [MemcachedAccess.Get, MemcachedAccess.Touch], firstKey: 2, allKeys: true },
  set: { accesses: [MemcachedAccess.Set], firstKey: 1, allKeys: false },
  add: { accesses: [MemcachedAccess.Set], firstKey: 1, allKeys: false },
  replace: { accesses: [MemcachedAccess.Set], firstKey: 1, allKeys: false },
  cas: { accesses: [MemcachedAccess.Set], firstKey: 1, allKeys: false },
  append: { accesses: [MemcachedAccess.Append], firstKey: 1, allKeys: false },
  prepend: { accesses: [MemcachedAccess.Append], firstKey: 1, allKeys: false },
  incr: { accesses: [MemcachedAccess.Incr], firstKey: 1, allKeys: false },
  decr: { accesses: [MemcachedAccess.Incr], firstKey: 1, allKeys: false },
  delete: { accesses: [MemcachedAccess.Delete], firstKey: 1, allKeys: false },
  touch: { accesses: [MemcachedAccess.Touch], firstKey: 1, allKeys: false },
  flush_all: { accesses: [MemcachedAccess.Flush], firstKey: 0, allKeys: false },
  mg: { accesses: [MemcachedAccess.Get], firstKey: 1, allKeys: false },
  me: { accesses: [MemcachedAccess.Get], firstKey: 1, allKeys: false },
  ms: { accesses: [MemcachedAccess.Set], firstKey: 1, allKeys: false },
  md: { accesses: [MemcachedAccess.Delete], firstKey: 1, allKeys: false },
  ma: { accesses: [MemcachedAccess.Incr], firstKey: 1, allKeys: false },
};

/** Whether the session's user may run this command on each of its keys. */
function permitted(front: Front, session: Session, name: string, req: TextRequest): boolean {
  const rule = ACCESS_BY_NAME[name];
  if (rule === undefined) return true;
  const { permissions } = front;
  const allows = (key: Buffer | null) => rule.accesses.every((access) => permissions.allows(session, access, key));
  if (rule.firstKey === 0) return allows(null);
  const last = rule.allKeys ? req.count - 1 : Math.min(rule.firstKey, req.count - 1);
  for (let i = rule.firstKey; i <= last; i++) if (!allows(req.token(i))) return false;
  return true;
}

/**
 * memcached's ASCII authentication: until it succeeds every command is refused, and the
 * credentials arrive as the data of a set ("<user> <password>").
 */
function authenticate(front: Front, session: Session, name: string, req: TextRequest): void {
  const out = session.out;
  if (name !== 'set' || req.data === null) return line(out, UNAUTHENTICATED);
  front.store.stats.authCmds++;
  const credentials = req.data.toString('latin1').trim().split(' ');
  const user = credentials.length === 2 ? front.permissions.login(session, credentials[0]!, Buffer.from(credentials[1]!, 'latin1')) : null;
  if (user !== null) {
    session.authenticated = true;
    session.user = user;
    return line(out, 'STORED');
  }
  front.store.stats.authErrors++;
  line(out, AUTH_FAILED);
}

/** get/gets/gat/gats of the keys from token `first` on; gat/gats pass the new deadline. */
function retrieve(store: MemcachedStore, out: OutBuffer, req: TextRequest, first: number, withCas: boolean, deadline: number): void {
  const db = store.db;
  const range = store.range;
  for (let i = first; i < req.count; i++) {
    if (req.length(i) > KEY_MAX_LENGTH) return line(out, BAD_FORMAT);
    store.stats.cmdGet++;
    const key = req.token(i);
    let id = store.fetch(key);
    if (id >= 0 && deadline !== KEEP_DEADLINE) {
      store.stats.cmdTouch++;
      store.stats.touchHits++;
      if (!store.setDeadline(id, deadline)) id = -1;
    } else if (deadline !== KEEP_DEADLINE) {
      store.stats.cmdTouch++;
      store.stats.touchMisses++;
    }
    if (id < 0) continue;
    const r = db.stringRange(id, range);
    out.ascii('VALUE ').bytes(key).byte(32).uint(db.flagsOf(id)).byte(32).uint(r.end - r.start);
    if (withCas) out.byte(32).uint(db.casOf(id));
    out.crlf().bytes(r.buf, r.start, r.end).crlf();
  }
  line(out, 'END');
}

function touchAndRetrieve(store: MemcachedStore, out: OutBuffer, req: TextRequest, withCas: boolean): void {
  if (req.count < 2) return line(out, ERROR);
  const exptime = parseInt32(req.buf, req.start(1), req.end(1));
  if (Number.isNaN(exptime)) return line(out, BAD_EXPTIME);
  retrieve(store, out, req, 2, withCas, store.deadline(exptime));
}

function update(store: MemcachedStore, out: OutBuffer, req: TextRequest, mode: StoreMode, isCas: boolean): void {
  const quiet = noreply(req);
  if (req.error !== null) {
    if (req.error === TOO_LARGE) {
      store.stats.storeTooLarge++;
      // Like memcached: a failed SET must not leave the old value readable.
      if (mode === StoreMode.Set && !isCas) store.delete(req.token(1));
    }
    if (!quiet) line(out, req.error);
    return;
  }
  if (req.data === null) return line(out, ERROR);
  const cas = isCas && req.cas === 0 ? -1 : req.cas;
  const result = store.store(mode, req.token(1), req.data, req.flags, store.deadline(req.exptime), cas);
  if (!quiet) line(out, STORE_REPLIES[result]);
}

function arith(store: MemcachedStore, out: OutBuffer, req: TextRequest, incr: boolean): void {
  if (req.count !== 3 && req.count !== 4) return line(out, ERROR);
  const quiet = noreply(req);
  if (req.length(1) > KEY_MAX_LENGTH) return quiet ? undefined : line(out, BAD_FORMAT);
  const delta = parseU64(req.buf, req.start(2), req.end(2));
  if (delta === null) return quiet ? undefined : line(out, BAD_DELTA);
  const id = store.find(req.token(1));
  const stats = store.stats;
  if (id < 0) {
    if (incr) stats.incrMisses++;
    else stats.decrMisses++;
    return quiet ? undefined : line(out, 'NOT_FOUND');
  }
  const result = store.arith(id, incr, delta);
  if (result === NON_NUMERIC) return quiet ? undefined : line(out, NON_NUMERIC_VALUE);
  if (incr) stats.incrHits++;
  else stats.decrHits++;
  if (!quiet) line(out, result.toString());
}

function remove(store: MemcachedStore, out: OutBuffer, req: TextRequest): void {
  const count = req.count;
  if (count < 2 || count > 4) return line(out, ERROR);
  const quiet = noreply(req);
  if (count > 2) {
    const holdIsZero = req.is(2, '0');
    const valid = (count === 3 && (holdIsZero || quiet)) || (count === 4 && holdIsZero && quiet);
    if (!valid) return line(out, BAD_DELETE);
  }
  if (req.length(1) > KEY_MAX_LENGTH) return quiet ? undefined : line(out, BAD_FORMAT);
  const deleted = store.delete(req.token(1));
  if (!quiet) line(out, deleted ? 'DELETED' : 'NOT_FOUND');
}

function touch(store: MemcachedStore, out: OutBuffer, req: TextRequest): void {
  if (req.count !== 3 && req.count !== 4) return line(out, ERROR);
  const quiet = noreply(req);
  if (req.length(1) > KEY_MAX_LENGTH) return quiet ? undefined : line(out, BAD_FORMAT);
  const exptime = parseInt32(req.buf, req.start(2), req.end(2));
  if (Number.isNaN(exptime)) return quiet ? undefined : line(out, BAD_EXPTIME);
  store.stats.cmdTouch++;
  const id = store.find(req.token(1));
  if (id >= 0) store.setDeadline(id, store.deadline(exptime));
  if (id >= 0) store.stats.touchHits++;
  else store.stats.touchMisses++;
  if (!quiet) line(out, id >= 0 ? 'TOUCHED' : 'NOT_FOUND');
}

function flushAll(store: MemcachedStore, out: OutBuffer, req: TextRequest): void {
  if (req.count > 3) return line(out, ERROR);
  const quiet = noreply(req);
  let delay = 0;
  if (req.count !== (quiet ? 2 : 1)) {
    const exptime = parseInt32(req.buf, req.start(1), req.end(1));
    if (Number.isNaN(exptime)) return quiet ? undefined : line(out, BAD_EXPTIME);
    if (exptime > 0) delay = store.deadline(exptime) - store.keyspace.now;
  }
  store.flush(delay / 1000);
  if (!quiet) line(out, 'OK');
}

function verbosity(store: MemcachedStore, out: OutBuffer, req: TextRequest): void {
  if (req.count !== 2 && req.count !== 3) return line(out, ERROR);
  const quiet = noreply(req);
  const level = parseFlags(req.buf, req.start(1), req.end(1));
  if (level < 0) return quiet ? undefined : line(out, BAD_FORMAT);
  store.verbosity = Math.min(level, 2);
  if (!quiet) line(out, 'OK');
}

function stats(front: Front, out: OutBuffer, req: TextRequest): void {
  const store = front.store;
  if (req.count > 3) return line(out, ERROR);
  const group = req.count > 1 ? req.token(1).toString('latin1') : '';
  if (group === 'reset') {
    store.resetStats();
    return line(out, 'RESET');
  }
  if (group === 'detail') return line(out, 'CLIENT_ERROR usage: stats detail on|off|dump');
  const lines = statsGroup(store, group, front.info());
  if (lines === null) return line(out, ERROR);
  for (const [name, value] of lines) out.ascii(`STAT ${name} ${value}`).crlf();
  line(out, 'END');
}
