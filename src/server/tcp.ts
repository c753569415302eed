// Listening on every bind address, shared by the Redis and Memcached fronts.

import net from 'node:net';

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
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ port: boundPort, host, backlog }, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    boundPort = (tcp.address() as net.AddressInfo).port;
    servers.push(tcp);
  }
  return { servers, port: boundPort };
}

export async function closeAll(servers: readonly net.Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
}
