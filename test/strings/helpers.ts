// Shared by the string and bitmap tests: a key of another type for WRONGTYPE checks, and
// reading a key's TTL and encoding straight from the engine.

import assert from 'node:assert/strict';
import { Encoding, ENCODING_NAMES, ValueType, type StoredObject } from '../../src/store/types.ts';
import type { Harness } from '../helpers/harness.ts';
import { ReplyError, type Reply } from '../helpers/resp.ts';

/** Stands in for a list: WRONGTYPE only needs the entry's type. */
class ListStub implements StoredObject {
  clone(): ListStub {
    return new ListStub();
  }
  byteSize(): number {
    return 16;
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
