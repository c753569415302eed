// One Memcached connection without its socket: bytes in, reply bytes out. It speaks text/meta
// or binary, chosen by the first byte as memcached does, and answers every request of one
// read in one batch. The listener owns the socket; tests drive this directly.

import { BinaryParser, REQUEST_MAGIC } from '../protocol/memcached/binary.ts';
import { OutBuffer } from '../protocol/memcached/out.ts';
import { TextParser } from '../protocol/memcached/text.ts';
import { runBinary } from './binary.ts';
import type { Front, Session } from './session.ts';
import { runText } from './text.ts';

/** Binary bodies up to this many item sizes are read (so a too-large item gets its error). */
const BINARY_BODY_ITEMS = 2;


export class MemcachedConnection {
  readonly session: Session;
  private text: TextParser | null = null;
  private binary: BinaryParser | null = null;

  constructor(private readonly front: Front, peer = '', local = '') {
    const permissions = front.permissions;
    this.session = { out: new OutBuffer(), authenticated: !permissions.authRequired, user: permissions.defaultUser, closing: false, peer, local };
  }

  /**
   * Runs the requests in a chunk; their replies wait for take(). True when the input broke the
   * protocol beyond answering: the connection must close at once.
   */
  feed(chunk: Buffer): boolean {
    const session = this.session;
    if (session.closing) return false;
    const store = this.front.store;
    store.stats.bytesRead += chunk.length;
    store.keyspace.refreshTime();
    if (this.text === null && this.binary === null) {
      const maxItemSize = store.server.config.number('memcached-max-item-size');
      if (chunk[0] === REQUEST_MAGIC) this.binary = new BinaryParser(maxItemSize * BINARY_BODY_ITEMS);
      else this.text = new TextParser(maxItemSize);
    }
    let destroy = false;
    try {
      if (this.text !== null) {
        const parser = this.text;
        parser.push(chunk);
        while (!session.closing) {
          const request = parser.next();
          if (request === null) break;
          runText(this.front, session, request);
        }
        destroy = parser.closed;
      } else {
        const parser = this.binary!;
        parser.push(chunk);
        while (!session.closing) {
          const request = parser.next();
          if (request === null) break;
          runBinary(this.front, session, request);
        }
        destroy = parser.closed;
      }
    } catch (error) {
      // A bug must not take the server down: answer it and drop the connection.
      session.out.ascii(`SERVER_ERROR ${error instanceof Error ? error.message : String(error)}`).crlf();
      session.closing = true;
      console.error(error);
    }
    return destroy;
  }

  /** The replies so far, or null. */
  take(): Buffer | null {
    const out = this.session.out.take();
    if (out !== null) this.front.store.stats.bytesWritten += out.length;
    return out;
  }

  /** Whether to close once the replies are written (quit, a malformed binary request). */
  get ending(): boolean {
    return this.session.closing;
  }
}
