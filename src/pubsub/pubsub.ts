// Pub/sub: who listens to which channel, pattern and shard channel, and the delivery of
// messages to them (Redis's pubsub.c). Commands are in commands/pubsub.ts; other modules
// (keyspace notifications, client-side caching, later scripts and Sentinel) publish through
// PubSub.publish.
//
// A message is serialised once per publish (once per matching pattern for pattern
// subscribers): every subscriber gets the same bytes after a RESP2 array or RESP3 push header,
// which is the only part that depends on its protocol.

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
/** Headers of a 3- and a 4-element message: RESP2 arrays, RESP3 pushes. */
const HEADER3 = { 2: Buffer.from('*3\r\n'), 3: Buffer.from('>3\r\n') } as const;
const HEADER4 = { 2: Buffer.from('*4\r\n'), 3: Buffer.from('>4\r\n') } as const;

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

/** The elements of a message after its header: a prefix word, then bulk strings, then `tail` as it is. */
function encodeBody(word: Buffer, bulks: readonly Uint8Array[], tail: Uint8Array | null): Buffer {
  let length = word.length + (tail?.length ?? 0);
  for (const bulk of bulks) length += bulkLength(bulk);
  const out = Buffer.allocUnsafe(length);
  out.set(word, 0);
  let at = word.length;
  for (const bulk of bulks) at = writeBulk(out, at, bulk);
  if (tail !== null) out.set(tail, at);
  return out;
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
      const body = encodeBody(sharded ? SMESSAGE : MESSAGE, [channel, message], null);
      for (const client of subscribers.clients) {
        send(client, HEADER3, body);
        receivers++;
      }
    }
    if (sharded) return receivers;
    for (const { name: pattern, clients } of this.patterns.values()) {
      if (!stringMatch(pattern, channel)) continue;
      const body = encodeBody(PMESSAGE, [pattern, channel, message], null);
      for (const client of clients) {
        send(client, HEADER4, body);
        receivers++;
      }
    }
    return receivers;
  }

  /**
   * Sends one client a message on `channel` whose payload is pre-encoded RESP: client-side
   * caching's invalidations (an array of keys, or a null) to a RESP2 redirection target.
   */
  sendEncoded(client: Client, channel: Buffer, payload: Uint8Array): void {
    send(client, HEADER3, encodeBody(MESSAGE, [channel], payload));
  }
}

function send(client: Client, headers: { 2: Buffer; 3: Buffer }, body: Buffer): void {
  // A client being closed still counts as a receiver, as in Redis, but is written nothing.
  if (client.killed) return;
  const w = client.w;
  w.raw(headers[client.resp]);
  w.raw(body);
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
