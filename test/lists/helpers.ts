// Shared by the list and hash tests: error assertions and a look at how the engine stores a key.

import assert from 'node:assert/strict';
import type { Harness } from '../helpers/harness.ts';
import { ReplyError, type Reply } from '../helpers/resp.ts';
import { ENCODING_NAMES } from '../../src/store/types.ts';
import type { StoredObject } from '../../src/store/types.ts';

export function assertError(reply: Reply, text: string): void {
  assert.ok(reply instanceof ReplyError, `expected error "${text}", got ${JSON.stringify(reply)}`);
  assert.equal(reply.text, text);
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

/** The encoding the engine records for `key` (what OBJECT ENCODING reports). */
export function encodingOf(h: Harness, key: string): string {
  const db = h.server.keyspace.dbs[0]!;
  const id = db.find(Buffer.from(key));
  assert.ok(id >= 0, `no key ${key}`);
  return ENCODING_NAMES[db.encodingOf(id)];
}

export function objectOf<T extends StoredObject>(h: Harness, key: string): T {
  const db = h.server.keyspace.dbs[0]!;
  return db.objectOf(db.find(Buffer.from(key))) as T;
}

export interface EffectsSeen {
  /** The propagation stream, one command a line (MULTI and EXEC included). */
  propagated: string[];
  /** Keyspace events as "event key". */
  events: string[];
}

/** Records what a harness's server propagates and the keyspace events it raises, from now on. */
export function recordEffects(h: Harness): EffectsSeen {
  const seen: EffectsSeen = { propagated: [], events: [] };
  h.server.effects.onPropagate((_db, argv) => seen.propagated.push(argv.map((arg) => Buffer.from(arg).toString('latin1')).join(' ')));
  h.server.effects.onEvent((_type, event, _db, key) => seen.events.push(`${event} ${key.toString('latin1')}`));
  return seen;
}
