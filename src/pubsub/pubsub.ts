// Pub/sub: who listens to which channel, pattern and shard channel, and the delivery of
// messages to them (Redis's pubsub.c). Commands are in commands/pubsub.ts; other modules
// (keyspace notifications, client-side caching, later scripts and Sentinel) publish through
// PubSub.publish.
//
// A message is serialised once per publish and RESP version (and per matching pattern for
// pattern subscribers): every subscriber of a protocol gets the same bytes, the RESP3 form
// differing from the RESP2 one only in its first byte (a push instead of an array). What does
// not change between messages (the array header, the word, the channel or pattern) is
// encoded once, when the channel or pattern gets its first subscriber.

import { Buffer } from 'node:buffer';
import type { Client } from '../server/client.ts';
import { digitCount, writeDigits } from '../protocol/resp/writer.ts';
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
  /** The start of every message to them (RESP2): array header, word and the name's bulk. */
  head: Buffer;
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
  /** How the messages subscribers of this kind receive start: the array header and the word. */
  messageStart: Buffer;
}

const bulkOf = (text: string) => Buffer.from(`$${text.length}\r\n${text}\r\n`);

const countNonShard = (s: ClientSubscriptions) => s.channels.size + s.patterns.size;

/** A 3- or 4-element message's array header (RESP2; RESP3 makes it a push) and its word. */
const startOf = (elements: number, word: string) => Buffer.concat([Buffer.from(`*${elements}\r\n`), bulkOf(word)]);
const PUSH_TYPE = 0x3e;

export const CHANNEL: Kind = {
  table: 'channels',
  subscribed: bulkOf('subscribe'),
  unsubscribed: bulkOf('unsubscribe'),
  count: countNonShard,
  messageStart: startOf(3, 'message'),
};
export const PATTERN: Kind = {
  table: 'patterns',
  subscribed: bulkOf('psubscribe'),
  unsubscribed: bulkOf('punsubscribe'),
  count: countNonShard,
  messageStart: startOf(4, 'pmessage'),
};
export const SHARD: Kind = {
  table: 'shardChannels',
  subscribed: bulkOf('ssubscribe'),
  unsubscribed: bulkOf('sunsubscribe'),
  count: (s) => s.shardChannels.size,
  messageStart: startOf(3, 'smessage'),
};

/** A bulk string's bytes appended to `out` at `at`; returns the position after it. */
function writeBulk(out: Buffer, at: number, bytes: Uint8Array): number {
  out[at++] = 0x24;
  at = writeDigits(out, at, bytes.length);
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  out.set(bytes, at);
  at += bytes.length;
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return at;
}

function bulkLength(bytes: Uint8Array): number {
  return digitCount(bytes.length) + bytes.length + 5;
}

/** A message (RESP2 form): `head` as it is, then bulk strings, then `tail` as it is. */
function encodeMessage(head: Buffer, bulks: readonly Uint8Array[], tail: Uint8Array | null): Buffer {
  let length = head.length + (tail?.length ?? 0);
  for (let i = 0; i < bulks.length; i++) length += bulkLength(bulks[i]!);
  const out = Buffer.allocUnsafe(length);
  out.set(head, 0);
  let at = head.length;
  for (let i = 0; i < bulks.length; i++) at = writeBulk(out, at, bulks[i]!);
  if (tail !== null) out.set(tail, at);
  return out;
}

/** The start of the messages of `kind` sent for `name` (Subscribers.head). */
function messageHead(kind: Kind, name: Buffer): Buffer {
  return encodeMessage(kind.messageStart, [name], null);
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
      if (subscribers === undefined) table.set(id, { name: copy, clients: new Set([client]), head: messageHead(kind, copy) });
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
    const table = sharded ? this.shardChannels : this.channels;
    // Keyspace notifications publish on every write: with nobody subscribed, the channel's
    // name is not even made a string.
    const subscribers = table.size === 0 ? undefined : table.get(channel.toString('latin1'));
    if (subscribers !== undefined) receivers += deliver(subscribers.clients, encodeMessage(subscribers.head, [message], null));
    if (sharded || this.patterns.size === 0) return receivers;
    for (const { name: pattern, clients, head } of this.patterns.values()) {
      if (stringMatch(pattern, channel)) receivers += deliver(clients, encodeMessage(head, [channel, message], null));
    }
    return receivers;
  }

  /**
   * Sends one client a message on `channel` whose payload is pre-encoded RESP: client-side
   * caching's invalidations (an array of keys, or a null) to a RESP2 redirection target.
   */
  sendEncoded(client: Client, channel: Buffer, payload: Uint8Array): void {
    const message = encodeMessage(CHANNEL.messageStart, [channel], payload);
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
