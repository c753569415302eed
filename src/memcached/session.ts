// What the three protocol fronts share per connection and per listener.

import type { OutBuffer } from '../protocol/memcached/out.ts';
import type { ListenerInfo } from './stats.ts';
import type { MemcachedStore } from './store.ts';
import type { User } from '../security/acl.ts';
import type { MemcachedPermissions } from '../security/memcached.ts';

export interface Session {
  readonly out: OutBuffer;
  /** False until SASL (binary) or the ASCII auth set succeeds, when the default user has a password. */
  authenticated: boolean;
  /** The ACL user the connection works as (the default user until a login names another). */
  user: User;
  /** Set to close the connection once the replies so far are written. */
  closing: boolean;
  /** The peer's and the local address, ip:port (empty without a socket), for the ACL LOG. */
  readonly peer: string;
  readonly local: string;
}

export interface Front {
  readonly store: MemcachedStore;
  info(): ListenerInfo;
  /** Logins and per-operation checks against the server's ACL users. */
  readonly permissions: MemcachedPermissions;
  /** Why writes are refused now (a read-only replica, too few replicas), or null. */
  writeRefusal(): string | null;
}
