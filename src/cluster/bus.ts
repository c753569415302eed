// One TCP link of the cluster bus: frames bytes into messages (frameLength, then the whole
// frame) and queues what we send. A frame that cannot be a message, or that does not decode,
// closes this link only; the node goes on and reconnects as its cron decides.

import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { BusFormatError, decodeMessage, frameLength, type Message } from './message.ts';
import type { ClusterNode } from './node.ts';

/** An IPv4 address as itself rather than IPv4-mapped IPv6 (::ffff:127.0.0.1). */
function plainAddress(address: string | undefined): string {
  const text = address ?? '';
  return text.startsWith('::ffff:') ? text.slice(7) : text;
}

/** Frames larger than this are refused (a PUBLISH of the largest bulk string fits). */
const MAX_FRAME = 1024 * 1024 * 1024;

export class BusLink {
  /** The node at the other end: set at once for outbound links, once known for inbound ones. */
  node: ClusterNode | null;
  closed = false;
  /**
   * The two ends' addresses, kept once known: a socket forgets them when the peer closes,
   * while the messages it sent before are still being read.
   */
  private remote = '';
  private local = '';
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected = -1;

  constructor(
    readonly socket: Socket,
    readonly inbound: boolean,
    node: ClusterNode | null,
    readonly createdAt: number,
    private readonly onMessage: (link: BusLink, message: Message) => void,
    private readonly onClose: (link: BusLink, reason: string) => void,
  ) {
    this.node = node;
    socket.setNoDelay(true);
    this.noteAddresses();
    socket.on('connect', () => this.noteAddresses());
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.close(error.message));
    socket.on('close', () => this.close('connection closed'));
  }

  private noteAddresses(): void {
    this.remote ||= plainAddress(this.socket.remoteAddress);
    this.local ||= plainAddress(this.socket.localAddress);
  }

  /** The peer's IP ('' before the connection is up). */
  get remoteIp(): string {
    return this.remote;
  }

  /** Our IP on this connection, which is how other nodes reach us. */
  get localIp(): string {
    return this.local;
  }

  send(frame: Buffer): void {
    if (this.closed) return;
    this.socket.write(frame);
  }

  /** Bytes written but not yet taken by the kernel (for cluster-link-sendbuf-limit). */
  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose(this, reason);
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closed) {
      if (this.expected < 0) {
        if (this.buffered < 8) return;
        try {
          this.expected = frameLength(this.take(8, false));
        } catch (error) {
          return this.close((error as Error).message);
        }
        if (this.expected > MAX_FRAME) return this.close(`frame of ${this.expected} bytes`);
      }
      if (this.buffered < this.expected) return;
      const frame = this.take(this.expected, true);
      this.expected = -1;
      let message: Message;
      try {
        message = decodeMessage(frame);
      } catch (error) {
        if (!(error instanceof BusFormatError)) throw error;
        return this.close(error.message);
      }
      this.onMessage(this, message);
    }
  }

  /** The first `length` buffered bytes, consumed or only looked at. */
  private take(length: number, consume: boolean): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    if (!consume) {
      this.chunks = [joined];
      return joined.subarray(0, length);
    }
    const frame = joined.subarray(0, length);
    const rest = joined.subarray(length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return frame;
  }
}
