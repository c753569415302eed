// Pub/sub: who listens to which channel, pattern and shard channel, and the delivery of
// messages to them (Redis's pubsub.c). Commands are in commands/pubsub.ts; other modules
// (keyspace notifications, client-side caching, later scripts and Sentinel) publish through
// PubSub.publish.
//
// A message is serialised once per publish and RESP version (and per matching pattern for
// pattern subscribers): every subscriber of a protocol gets the same bytes, the RESP3 form
// differing from the RESP2 one only in its first byte (a push instead of an array).

import { Buffer } from 'node:buffer';
import type { Client } from '../server/client.ts';
import { stringMatch } from '../util/glob.ts';

/** What one client is subscribed to, in subscription order. Keys are the names as latin1. */
export class ClientSubscriptions {
  readonly channels = new Map<string, Buffer>();
  readonly patterns = new Map<string, Buffer>();
  readonly shardChannels = new Map<string, Buffer>();

  /** Redis's clientTotalPubSubSubscriptionCount. */
  get total(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }
}

interface Subscribers {
  name: Buffer;
  clients: Set<Client>;
}

/**
 * One kind of subscription (Redis's pubsubtype, with patterns as a third kind): where the
 * server and the client keep them, the words of their confirmations and how they are counted.
 */
interface Kind {
  table: 'channels' | 'patterns' | 'shardChannels';
  subscribed: Buffer;
  unsubscribed: Buffer;
  /** The count a confirmation carries: shard channels are counted apart from the others. */
  count(subscriptions: ClientSubscriptions): number;
}

const bulkOf = (text: string) => Buffer.from(`$${text.length}\r\n${text}\r\n`);

const countNonShard = (s: ClientSubscriptions) => s.channels.size + s.patterns.size;

export const CHANNEL: Kind = {
  table: 'channels',
  subscribed: bulkOf('subscribe'),
  unsubscribed: bulkOf('unsubscribe'),
  count: countNonShard,
};
export const PATTERN: Kind = {
  table: 'patterns',
  subscribed: bulkOf('psubscribe'),
  unsubscribed: bulkOf('punsubscribe'),
  count: countNonShard,
};
export const SHARD: Kind = {
  table: 'shardChannels',
  subscribed: bulkOf('ssubscribe'),
  unsubscribed: bulkOf('sunsubscribe'),
  count: (s) => s.shardChannels.size,
};

const MESSAGE = bulkOf('message');
const SMESSAGE = bulkOf('smessage');
const PMESSAGE = bulkOf('pmessage');
/** Headers of a 3- and a 4-element message in RESP2; RESP3 makes them pushes. */
const HEADER3 = Buffer.from('*3\r\n');
const HEADER4 = Buffer.from('*4\r\n');
const PUSH_TYPE = 0x3e;

/** A bulk string's bytes appended to `out` at `at`; returns the position after it. */
function writeBulk(out: Buffer, at: number, bytes: Uint8Array): number {
  at += out.write(`$${bytes.length}\r\n`, at, 'latin1');
  out.set(bytes, at);
  at += bytes.length;
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return at;
}

function bulkLength(bytes: Uint8Array): number {
  return String(bytes.length).length + bytes.length + 5;
}

/** A message: its array header, a prefix word, then bulk strings, then `tail` as it is (RESP2 form). */
function encodeMessage(header: Buffer, word: Buffer, bulks: readonly Uint8Array[], tail: Uint8Array | null): Buffer {
  let length = header.length + word.length + (tail?.length ?? 0);
  for (const bulk of bulks) length += bulkLength(bulk);
  const out = Buffer.allocUnsafe(length);
  out.set(header, 0);
  out.set(word, header.length);
  let at = header.length + word.length;
  for (const bulk of bulks) at = writeBulk(out, at, bulk);
  if (tail !== null) out.set(tail, at);
  return out;
}

/** The RESP3 form of a message: the same bytes as a push. */
function asPush(message: Buffer): Buffer {
  const push = Buffer.allocUnsafe(message.length);
  message.copy(push);
  push[0] = PUSH_TYPE;
  return push;
}

export class PubSub {
  readonly channels = new Map<string, Subscribers>();
  readonly patterns = new Map<string, Subscribers>();
  readonly shardChannels = new Map<string, Subscribers>();

  /** Subscribes `client` to `name` and confirms it (pubsubSubscribeChannel / pubsubSubscribePattern). */
  subscribe(client: Client, name: Buffer, kind: Kind): void {
    const subscriptions = (client.pubsub ??= new ClientSubscriptions());
    const mine = subscriptions[kind.table];
    const id = name.toString('latin1');
    if (!mine.has(id)) {
      const copy = Buffer.from(name);
      mine.set(id, copy);
      const table = this[kind.table];
      const subscribers = table.get(id);
      if (subscribers === undefined) table.set(id, { name: copy, clients: new Set([client]) });
      else subscribers.clients.add(client);
    }
    confirm(client, kind.subscribed, name, kind.count(subscriptions));
  }

  /** Unsubscribes `client` from `name`, confirming it when `notify` (even when it was not subscribed). */
  unsubscribe(client: Client, name: Buffer, kind: Kind, notify: boolean): void {
    const subscriptions = client.pubsub;
    const id = name.toString('latin1');
    if (subscriptions !== null && subscriptions[kind.table].delete(id)) {
      const table = this[kind.table];
      const subscribers = table.get(id)!;
      subscribers.clients.delete(client);
      // The last subscriber gone, the channel goes too, so that abandoned channels cost nothing.
      if (subscribers.clients.size === 0) table.delete(id);
    }
    if (notify) confirm(client, kind.unsubscribed, name, subscriptions === null ? 0 : kind.count(subscriptions));
    this.leaveModeIfNone(client);
  }

  /** UNSUBSCRIBE without arguments: every subscription of the kind, or one confirmation with a null name. */
  unsubscribeAll(client: Client, kind: Kind, notify: boolean): void {
    const names = client.pubsub === null ? [] : [...client.pubsub[kind.table].values()];
    for (const name of names) this.unsubscribe(client, name, kind, notify);
    if (notify && names.length === 0) confirm(client, kind.unsubscribed, null, client.pubsub === null ? 0 : kind.count(client.pubsub));
  }

  /** A closed or RESET connection: its subscriptions go, unconfirmed. */
  removeClient(client: Client): void {
    this.unsubscribeAll(client, CHANNEL, false);
    this.unsubscribeAll(client, PATTERN, false);
    this.unsubscribeAll(client, SHARD, false);
  }

  /** Redis's CLIENT_PUBSUB flag goes when the last subscription of any kind does. */
  private leaveModeIfNone(client: Client): void {
    if (client.pubsub !== null && client.pubsub.total === 0) client.pubsub = null;
  }

  /**
   * Publishes `message` on `channel` to its subscribers and to those of matching patterns;
   * returns how many received it (PUBLISH's reply). Sharded messages reach shard channel
   * subscribers only.
   */
  publish(channel: Buffer, message: Buffer, sharded = false): number {
    let receivers = 0;
    const subscribers = (sharded ? this.shardChannels : this.channels).get(channel.toString('latin1'));
    if (subscribers !== undefined) {
      receivers += deliver(subscribers.clients, encodeMessage(HEADER3, sharded ? SMESSAGE : MESSAGE, [channel, message], null));
    }
    if (sharded) return receivers;
    for (const { name: pattern, clients } of this.patterns.values()) {
      if (stringMatch(pattern, channel)) receivers += deliver(clients, encodeMessage(HEADER4, PMESSAGE, [pattern, channel, message], null));
    }
    return receivers;
  }

  /**
   * Sends one client a message on `channel` whose payload is pre-encoded RESP: client-side
   * caching's invalidations (an array of keys, or a null) to a RESP2 redirection target.
   */
  sendEncoded(client: Client, channel: Buffer, payload: Uint8Array): void {
    const message = encodeMessage(HEADER3, MESSAGE, [channel], payload);
    send(client, client.resp === 3 ? asPush(message) : message);
  }

}

/**
 * Sends one message to each client: the same bytes to all, made a push once for the RESP3
 * ones. Returns how many clients there were.
 */
function deliver(clients: ReadonlySet<Client>, message: Buffer): number {
  let push: Buffer | null = null;
  for (const client of clients) send(client, client.resp === 3 ? (push ??= asPush(message)) : message);
  return clients.size;
}

function send(client: Client, message: Buffer): void {
  // A client being closed still counts as a receiver, as in Redis, but is written nothing.
  if (client.killed) return;
  client.w.raw(message);
  client.wake();
}

/** A (un)subscribe confirmation: [word, name or null, count], a push in RESP3. */
function confirm(client: Client, word: Buffer, name: Buffer | null, count: number): void {
  const w = client.w;
  w.push(3);
  w.raw(word);
  if (name === null) w.null();
  else w.bulk(name);
  w.int(count);
}
