// The binary protocol: every opcode memcached 1.6 serves, quiet forms included, with opaque
// and CAS handling and SASL PLAIN authentication when a password is configured.

import { Op, Status, STATUS_TEXT, writeResponseHeader, type BinaryRequest } from '../protocol/memcached/binary.ts';
import { KEY_MAX_LENGTH } from '../protocol/memcached/text.ts';
import type { OutBuffer } from '../protocol/memcached/out.ts';
import type { Front, Session } from './session.ts';
import { changesItems, MemcachedAccess } from '../security/memcached.ts';
import { MEMCACHED_PERMISSION_DENIED as PERMISSION_DENIED } from '../errors.ts';
import { MEMCACHED_VERSION, statsGroup } from './stats.ts';
import { KEEP_DEADLINE, NON_NUMERIC, StoreMode, Stored, type MemcachedStore } from './store.ts';

/** Item overhead memcached counts against the size limit (see the text parser). */
const ITEM_OVERHEAD = 57;
/** Binary incr/decr's "do not create" expiration. */
const NO_CREATE = 0xffffffff;

const QUIET: Record<number, number> = {
  [Op.GetQ]: Op.Get,
  [Op.GetKQ]: Op.GetK,
  [Op.SetQ]: Op.Set,
  [Op.AddQ]: Op.Add,
  [Op.ReplaceQ]: Op.Replace,
  [Op.DeleteQ]: Op.Delete,
  [Op.IncrementQ]: Op.Increment,
  [Op.DecrementQ]: Op.Decrement,
  [Op.QuitQ]: Op.Quit,
  [Op.FlushQ]: Op.Flush,
  [Op.AppendQ]: Op.Append,
  [Op.PrependQ]: Op.Prepend,
  [Op.GatQ]: Op.Gat,
  [Op.GatKQ]: Op.GatK,
};

const STORE_STATUS: Record<Stored, Status> = {
  [Stored.Stored]: Status.Ok,
  [Stored.NotStored]: Status.NotStored,
  [Stored.Exists]: Status.KeyExists,
  [Stored.NotFound]: Status.KeyNotFound,
  [Stored.NoMemory]: Status.OutOfMemory,
};

/** Like memcached, a malformed request is answered and then the connection is closed. */
function invalid(session: Session, req: BinaryRequest): void {
  reply(session.out, req, Status.InvalidArguments);
  session.closing = true;
}

function reply(out: OutBuffer, req: BinaryRequest, status: number, cas = 0, body?: string): void {
  const text = body ?? STATUS_TEXT[status as Status] ?? '';
  writeResponseHeader(out, req.opcode, status, req.opaque, cas, 0, 0, text.length);
  out.ascii(text);
}

export function runBinary(front: Front, session: Session, req: BinaryRequest): void {
  const out = session.out;
  const store = front.store;
  const op = req.opcode;
  const saslOp = op === Op.SaslListMechs || op === Op.SaslAuth || op === Op.SaslStep;
  // Without a password memcached has SASL off and does not know these opcodes.
  if (saslOp && !front.permissions.authRequired) return reply(out, req, Status.UnknownCommand);
  if (op === Op.SaslListMechs) return reply(out, req, Status.Ok, 0, 'PLAIN');
  if (saslOp) return saslAuth(front, session, req);
  if (!session.authenticated) return reply(out, req, Status.AuthError);
  const base = QUIET[op] ?? op;
  const quiet = base !== op;
  if (req.key.length > KEY_MAX_LENGTH) return invalid(session, req);
  if (!session.user.unrestricted && !permitted(front, session, base, req)) return reply(out, req, Status.AuthError, 0, PERMISSION_DENIED);
  if (changesItems(ACCESS_BY_OP[base])) {
    const refused = front.writeRefusal();
    if (refused !== null) return reply(out, req, Status.NotSupported, 0, refused);
  }
  store.begin();
  switch (base) {
    case Op.Get:
    case Op.GetK:
      return get(store, out, req, quiet, base === Op.GetK, KEEP_DEADLINE);
    case Op.Gat:
    case Op.GatK:
      if (req.extras.length !== 4) return invalid(session, req);
      return get(store, out, req, quiet, base === Op.GatK, store.deadline(req.extras.readInt32BE(0)));
    case Op.Set:
    case Op.Add:
    case Op.Replace:
      return update(store, session, req, quiet, base === Op.Set ? StoreMode.Set : base === Op.Add ? StoreMode.Add : StoreMode.Replace);
    case Op.Append:
    case Op.Prepend:
      return update(store, session, req, quiet, base === Op.Append ? StoreMode.Append : StoreMode.Prepend);
    case Op.Delete:
      return remove(store, out, req, quiet);
    case Op.Increment:
    case Op.Decrement:
      return arith(store, session, req, quiet, base === Op.Increment);
    case Op.Touch:
      return touch(store, session, req);
    case Op.Flush:
      store.flush(req.extras.length === 4 ? req.extras.readUInt32BE(0) : 0);
      if (!quiet) reply(out, req, Status.Ok);
      return;
    case Op.Noop:
      return reply(out, req, Status.Ok);
    case Op.Version:
      return reply(out, req, Status.Ok, 0, MEMCACHED_VERSION);
    case Op.Verbosity:
      if (req.extras.length === 4) store.verbosity = Math.min(req.extras.readUInt32BE(0), 2);
      return reply(out, req, Status.Ok);
    case Op.Stat:
      return stats(front, out, req);
    case Op.Quit:
      if (!quiet) reply(out, req, Status.Ok);
      session.closing = true;
      return;
    default:
      return reply(out, req, Status.UnknownCommand);
  }
}

/** What an opcode is checked as under ACLs (GAT reads and touches); opcodes not listed need no permission. */
const ACCESS_BY_OP: Record<number, readonly MemcachedAccess[]> = {
  [Op.Get]: [MemcachedAccess.Get],
  [Op.GetK]: [MemcachedAccess.Get],
  [Op.Gat]: [MemcachedAccess.Get, MemcachedAccess.Touch],
  [Op.GatK]: [MemcachedAccess.Get, MemcachedAccess.Touch],
  [Op.Set]: [MemcachedAccess.Set],
  [Op.Add]: [MemcachedAccess.Set],
  [Op.Replace]: [MemcachedAccess.Set],
  [Op.Append]: [MemcachedAccess.Append],
  [Op.Prepend]: [MemcachedAccess.Append],
  [Op.Delete]: [MemcachedAccess.Delete],
  [Op.Increment]: [MemcachedAccess.Incr],
  [Op.Decrement]: [MemcachedAccess.Incr],
  [Op.Touch]: [MemcachedAccess.Touch],
  [Op.Flush]: [MemcachedAccess.Flush],
};

/** Whether the session's user may run this (non-quiet) opcode on its key. */
function permitted(front: Front, session: Session, base: number, req: BinaryRequest): boolean {
  const accesses = ACCESS_BY_OP[base];
  if (accesses === undefined) return true;
  const key = base === Op.Flush ? null : req.key;
  return accesses.every((access) => front.permissions.allows(session, access, key));
}

/** SASL PLAIN: "[authzid] NUL authcid NUL password": the ACL user authcid (the default user when empty) with its password. */
function saslAuth(front: Front, session: Session, req: BinaryRequest): void {
  const stats = front.store.stats;
  stats.authCmds++;
  if (req.key.toString('latin1') !== 'PLAIN') {
    stats.authErrors++;
    return reply(session.out, req, Status.AuthError);
  }
  const parts = req.value.toString('latin1').split('\0');
  const user = parts.length === 3 ? front.permissions.login(session, parts[1]!, Buffer.from(parts[2]!, 'latin1')) : null;
  if (user !== null) {
    session.authenticated = true;
    session.user = user;
    return reply(session.out, req, Status.Ok, 0, 'Authenticated');
  }
  stats.authErrors++;
  reply(session.out, req, Status.AuthError);
}

function get(store: MemcachedStore, out: OutBuffer, req: BinaryRequest, quiet: boolean, withKey: boolean, deadline: number): void {
  const db = store.db;
  store.stats.cmdGet++;
  let id = store.fetch(req.key);
  if (deadline !== KEEP_DEADLINE) {
    store.stats.cmdTouch++;
    if (id >= 0) store.stats.touchHits++;
    else store.stats.touchMisses++;
    if (id >= 0 && !store.setDeadline(id, deadline)) id = -1;
  }
  if (id < 0) {
    if (quiet) return;
    if (withKey) {
      writeResponseHeader(out, req.opcode, Status.KeyNotFound, req.opaque, 0, 0, req.key.length, req.key.length);
      out.bytes(req.key);
      return;
    }
    return reply(out, req, Status.KeyNotFound);
  }
  const r = db.stringRange(id, store.range);
  const keyLength = withKey ? req.key.length : 0;
  writeResponseHeader(out, req.opcode, Status.Ok, req.opaque, db.casOf(id), 4, keyLength, 4 + keyLength + r.end - r.start);
  out.u32(db.flagsOf(id));
  if (withKey) out.bytes(req.key);
  out.bytes(r.buf, r.start, r.end);
}

function update(store: MemcachedStore, session: Session, req: BinaryRequest, quiet: boolean, mode: StoreMode): void {
  const out = session.out;
  const concat = mode === StoreMode.Append || mode === StoreMode.Prepend;
  if ((concat ? req.extras.length !== 0 : req.extras.length !== 8) || req.key.length === 0) return invalid(session, req);
  const flags = concat ? 0 : req.extras.readUInt32BE(0);
  const maxItemSize = store.server.config.number('memcached-max-item-size');
  if (ITEM_OVERHEAD + req.key.length + req.value.length + 2 + (flags !== 0 ? 4 : 0) > maxItemSize) {
    store.stats.storeTooLarge++;
    if (mode === StoreMode.Set) store.delete(req.key);
    return reply(out, req, Status.TooLarge);
  }
  const deadline = concat ? -1 : store.deadline(req.extras.readInt32BE(4));
  const result = store.store(mode, req.key, req.value, flags, deadline, req.cas);
  if (result === Stored.Stored) {
    if (quiet) return;
    const id = store.find(req.key);
    return reply(out, req, Status.Ok, id >= 0 ? store.db.casOf(id) : 0, '');
  }
  // memcached answers a failed add/replace (not a CAS miss) with "exists"/"not found".
  let status = STORE_STATUS[result];
  if (result === Stored.NotStored && mode === StoreMode.Add) status = Status.KeyExists;
  else if (result === Stored.NotStored && mode === StoreMode.Replace) status = Status.KeyNotFound;
  reply(out, req, status);
}

function remove(store: MemcachedStore, out: OutBuffer, req: BinaryRequest, quiet: boolean): void {
  const id = store.find(req.key);
  if (id >= 0 && req.cas !== 0 && store.db.casOf(id) !== req.cas) return reply(out, req, Status.KeyExists);
  if (!store.delete(req.key)) return reply(out, req, Status.KeyNotFound);
  if (!quiet) reply(out, req, Status.Ok);
}

function arith(store: MemcachedStore, session: Session, req: BinaryRequest, quiet: boolean, incr: boolean): void {
  const out = session.out;
  if (req.extras.length !== 20) return invalid(session, req);
  const delta = req.extras.readBigUInt64BE(0);
  const initial = req.extras.readBigUInt64BE(8);
  const expiration = req.extras.readUInt32BE(16);
  const stats = store.stats;
  let id = store.find(req.key);
  let value: bigint;
  if (id >= 0 && req.cas !== 0 && store.db.casOf(id) !== req.cas) return reply(out, req, Status.KeyExists);
  if (id >= 0) {
    const result = store.arith(id, incr, delta);
    if (result === NON_NUMERIC) return reply(out, req, Status.DeltaBadValue);
    if (incr) stats.incrHits++;
    else stats.decrHits++;
    value = result;
  } else {
    if (incr) stats.incrMisses++;
    else stats.decrMisses++;
    if (expiration === NO_CREATE) return reply(out, req, Status.KeyNotFound);
    id = store.storeNumber(req.key, initial, store.deadline(expiration | 0));
    value = initial;
  }
  if (quiet) return;
  writeResponseHeader(out, req.opcode, Status.Ok, req.opaque, id >= 0 ? store.db.casOf(id) : 0, 0, 0, 8);
  out.u64Big(value);
}

function touch(store: MemcachedStore, session: Session, req: BinaryRequest): void {
  const out = session.out;
  if (req.extras.length !== 4) return invalid(session, req);
  store.stats.cmdTouch++;
  const id = store.find(req.key);
  if (id < 0) {
    store.stats.touchMisses++;
    return reply(out, req, Status.KeyNotFound);
  }
  store.stats.touchHits++;
  const cas = store.db.casOf(id);
  const flags = store.db.flagsOf(id);
  store.setDeadline(id, store.deadline(req.extras.readInt32BE(0)));
  writeResponseHeader(out, req.opcode, Status.Ok, req.opaque, cas, 4, 0, 4);
  out.u32(flags);
}

function stats(front: Front, out: OutBuffer, req: BinaryRequest): void {
  const store = front.store;
  const group = req.key.toString('latin1');
  if (group === 'reset') {
    store.resetStats();
  } else {
    const lines = statsGroup(store, group, front.info());
    if (lines === null) return reply(out, req, Status.KeyNotFound);
    for (const [name, value] of lines) {
      const text = String(value);
      writeResponseHeader(out, req.opcode, Status.Ok, req.opaque, 0, 0, name.length, name.length + text.length);
      out.ascii(name).ascii(text);
    }
  }
  writeResponseHeader(out, req.opcode, Status.Ok, req.opaque, 0, 0, 0, 0);
}
