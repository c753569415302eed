// Listening on every bind address, shared by the Redis and Memcached fronts.

import { chmodSync, rmSync } from 'node:fs';
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

export async function closeAll(servers: readonly net.Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
}
