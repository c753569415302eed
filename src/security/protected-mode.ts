// Protected mode (Redis 7.0): while it is on and the default user has no password, only
// loopback and unix-socket clients are served; any other gets the DENIED text and is closed.

import type { Server } from '../server/server.ts';

/** Whether a peer address is the loopback interface (Redis's connIsLocal); undefined is a unix socket. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return true;
  // Node reports IPv4 peers of a dual-stack socket as IPv4-mapped IPv6 addresses.
  const ipv4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return ipv4.startsWith('127.') || address === '::1';
}

export function protectedModeRefuses(server: Server, remoteAddress: string | undefined): boolean {
  return server.config.bool('protected-mode') && server.acl.defaultUser.nopass && !isLoopback(remoteAddress);
}
