// Shared by the string and bitmap tests: a key of another type for WRONGTYPE checks, and
// reading a key's TTL and encoding straight from the engine.

import assert from 'node:assert/strict';
import { Meter } from '../../src/store/memory.ts';
import { Encoding, ENCODING_NAMES, ValueType, type StoredObject } from '../../src/store/types.ts';
import type { Harness } from '../helpers/harness.ts';
import { ReplyError, type Reply } from '../helpers/resp.ts';

/** Stands in for a list: WRONGTYPE only needs the entry's type. */
class ListStub extends Meter implements StoredObject {
  clone(): ListStub {
    return new ListStub();
  }
  recount(): number {
    return 0;
  }
}

export function putList(h: Harness, key: string): void {
  h.server.keyspace.dbs[0]!.setObject(Buffer.from(key), ValueType.List, Encoding.Quicklist, new ListStub());
}

/** Absolute expiry in ms, -1 without TTL, -2 when the key is missing. */
export function expireAt(h: Harness, key: string): number | bigint {
  const db = h.server.keyspace.dbs[0]!;
  const id = db.find(Buffer.from(key));
  return id < 0 ? -2 : db.expireAt(id);
}

export function encodingOf(h: Harness, key: string): string {
  const db = h.server.keyspace.dbs[0]!;
  const id = db.find(Buffer.from(key));
  assert.ok(id >= 0, `${key} exists`);
  return ENCODING_NAMES[db.encodingOf(id)];
}

/** Asserts an error reply with exactly this text. */
export function assertError(reply: Reply, text: string): void {
  assert.ok(reply instanceof ReplyError, `expected error ${text}, got ${String(reply)}`);
  assert.equal(reply.text, text);
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

/**
 * Records a harness's effects as they happen, as text: keyspace events of every class "A"
 * covers ("set@0:k") and propagated commands ("> 0 SET k v"), interleaved in order. `take`
 * returns what came since the last take.
 */
export function recordEffects(h: Harness): { take(): string[] } {
  h.run('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  let seen: string[] = [];
  h.server.effects.onEvent((_type, event, db, key) => seen.push(`${event}@${db}:${key.toString('latin1')}`));
  h.server.effects.onPropagate((db, argv) => seen.push(`> ${db} ${argv.map((a) => a.toString('latin1')).join(' ')}`));
  return {
    take() {
      const taken = seen;
      seen = [];
      return taken;
    },
  };
}
