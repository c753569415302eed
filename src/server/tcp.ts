// Listening on every bind address, shared by the Redis and Memcached fronts.

import net from 'node:net';
import { StartupError } from './startup.ts';

/** What bind(2) failures read as in redis-server's log (strerror's words). */
const BIND_FAILURES: Record<string, string> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
};

/**
 * Opens a listener on each host. Port 0 takes a free port on the first host and the same
 * port on the others, so every address serves one port. Returns the listeners and that port.
 */
export async function listenOnAll(
  hosts: readonly string[],
  port: number,
  backlog: number,
  onSocket: (socket: net.Socket) => void,
): Promise<{ servers: net.Server[]; port: number }> {
  const servers: net.Server[] = [];
  let boundPort = port;
  for (const host of hosts) {
    const tcp = net.createServer({ noDelay: true }, onSocket);
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ port: boundPort, host, backlog }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await closeAll(servers);
      throw listenFailure(host, boundPort, error as NodeJS.ErrnoException);
    }
    boundPort = (tcp.address() as net.AddressInfo).port;
    servers.push(tcp);
  }
  return { servers, port: boundPort };
}

/** A listener that could not open, reported in redis-server's words; start-up ends with status 1. */
function listenFailure(host: string, port: number, error: NodeJS.ErrnoException): StartupError {
  const reason = BIND_FAILURES[error.code ?? ''] ?? error.message;
  return new StartupError(
    `Warning: Could not create server TCP listening socket ${host}:${port}: bind: ${reason}\nFailed listening on port ${port} (TCP), aborting.`,
  );
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
