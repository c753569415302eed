// What the three protocol fronts share per connection and per listener.

import type { OutBuffer } from '../protocol/memcached/out.ts';
import type { ListenerInfo } from './stats.ts';
import type { MemcachedStore } from './store.ts';

export interface Session {
  readonly out: OutBuffer;
  /** False until SASL (binary) or the ASCII auth set succeeds, when a password is configured. */
  authenticated: boolean;
  /** Set to close the connection once the replies so far are written. */
  closing: boolean;
}

export interface Front {
  readonly store: MemcachedStore;
  info(): ListenerInfo;
  /** The configured password (requirepass); empty when authentication is off. */
  password(): string;
}
