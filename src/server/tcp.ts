// Listening on every bind address, shared by the Redis and Memcached fronts.

import { chmodSync, rmSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import net from 'node:net';

/**
 * A bind address as redis.conf writes it: "*" is every IPv4 address, "::*" every IPv6 one,
 * and a leading "-" marks an address that may be missing (then it is skipped).
 */
function bindTarget(address: string): { host: string; optional: boolean } {
  const optional = address.startsWith('-');
  const bare = optional ? address.slice(1) : address;
  const host = bare === '*' ? '0.0.0.0' : bare === '::*' ? '::' : bare;
  return { host, optional };
}

/** Errors that mean "this machine has no such address", which an optional bind skips. */
const MISSING_ADDRESS = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EINVAL']);

function listenOn(server: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Opens a listener on each bind address. Port 0 takes a free port on the first address and
 * the same port on the others, so every address serves one port. Returns the listeners and
 * that port.
 */
export async function listenOnAll(
  addresses: readonly string[],
  port: number,
  backlog: number,
  onSocket: (socket: net.Socket) => void,
  create: (onSocket: (socket: net.Socket) => void) => net.Server = (handler) => net.createServer({ noDelay: true }, handler),
): Promise<{ servers: net.Server[]; port: number }> {
  const servers: net.Server[] = [];
  let boundPort = port;
  for (const address of addresses) {
    const { host, optional } = bindTarget(address);
    const tcp = create(onSocket);
    try {
      // IPv6 listeners take IPv6 only, as Redis sets IPV6_V6ONLY, so "* ::*" binds both.
      await listenOn(tcp, { port: boundPort, host, backlog, ipv6Only: host.includes(':') });
    } catch (error) {
      if (optional && MISSING_ADDRESS.has((error as NodeJS.ErrnoException).code ?? '')) continue;
      await closeAll(servers);
      throw error;
    }
    boundPort = (tcp.address() as net.AddressInfo).port;
    servers.push(tcp);
  }
  return { servers, port: boundPort };
}

/**
 * Listens on a unix socket, replacing a stale socket file as Redis does, and gives the file
 * `perm` (octal, as unixsocketperm) when it is not 0.
 */
export async function listenOnPath(path: string, perm: number, backlog: number, onSocket: (socket: net.Socket) => void): Promise<net.Server> {
  rmSync(path, { force: true });
  const server = net.createServer(onSocket);
  await listenOn(server, { path, backlog });
  if (perm !== 0) chmodSync(path, perm);
  return server;
}

/**
 * Runs `flush` on each queued item once per event-loop turn (setImmediate), after every
 * readable socket has been served, as Redis writes its replies in beforeSleep. The writes then
 * come in one burst, which wakes a client waiting on many connections (redis-benchmark, a
 * pool) once rather than once per connection; on this VM such a wakeup cost the writer more
 * CPU than the write itself. The caller keeps an item from being queued twice in one turn.
 */
export class EndOfTurn<T> {
  private queued: T[] = [];

  constructor(private readonly flush: (item: T) => void) {}

  add(item: T): void {
    this.queued.push(item);
    if (this.queued.length === 1) setImmediate(this.run);
  }

  private readonly run = (): void => {
    // A fresh list first, so an item queued by a flush gets a turn of its own.
    const queued = this.queued;
    this.queued = [];
    for (let i = 0; i < queued.length; i++) this.flush(queued[i]!);
  };
}

/** Where every socket read by readIntoShared lands: the bytes are copied out at once. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * Has `socket`'s reads go into one buffer shared by all sockets (libuv's user-buffer mode,
 * which net.connect's `onread` option sets up for client sockets) and hands each read to
 * `onData` as a Buffer of its exact size, which the receiver may keep (small ones come from
 * Node's shared pool). By default each read costs a fresh 64 KiB allocation, shrunk and
 * wrapped in an ArrayBuffer the GC tracks and frees, and a pass through the Readable stream.
 * End of input, errors and 'close' behave as before. False when this Node does not expose
 * the mode (then the caller listens to 'data').
 */
export function readIntoShared(socket: net.Socket, onData: (chunk: Buffer) => void): boolean {
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (buffer: Uint8Array) => void } })._handle;
  if (typeof handle?.useUserBuffer !== 'function') return false;
  const symbols = Object.getOwnPropertySymbols(socket);
  const userBuffer = symbols.find((symbol) => symbol.description === 'kBuffer');
  const userCallback = symbols.find((symbol) => symbol.description === 'kBufferCb');
  if (userBuffer === undefined || userCallback === undefined) return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[userBuffer] = READ_BUFFER;
  fields[userCallback] = (length: number) => {
    const chunk = Buffer.allocUnsafe(length);
    READ_BUFFER.copy(chunk, 0, 0, length);
    onData(chunk);
  };
  handle.useUserBuffer(READ_BUFFER);
  return true;
}

export async function closeAll(servers: readonly net.Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
}
