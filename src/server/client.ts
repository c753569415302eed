// One connection's session state. The socket side (reading, flushing, closing) is in
// connection.ts; in-process tests make clients without a socket.

import { ReplyWriter, type RespVersion } from '../protocol/resp/writer.ts';
import type { RegisteredCommand } from '../commands/registry.ts';
import type { CommandContext } from '../commands/spec.ts';
import type { BlockedWait } from './blocking.ts';
import type { ClientSubscriptions } from '../pubsub/pubsub.ts';
import type { TrackingState } from '../tracking/tracking.ts';
import type { User } from '../security/acl.ts';

export type ReplyMode = 'on' | 'off' | 'skip';

export interface QueuedCommand {
  cmd: RegisteredCommand;
  argv: Buffer[];
}

export class Client {
  readonly w = new ReplyWriter();
  db = 0;
  name = '';
  libName = '';
  libVersion = '';
  authenticated: boolean;
  /** The ACL user the client runs as; Server.createClient starts it as the default user. */
  user!: User;
  replyMode: ReplyMode = 'on';
  noEvict = false;
  noTouch = false;
  /** Commands queued by MULTI; null outside a transaction. */
  multi: QueuedCommand[] | null = null;
  /** A queued command was rejected, so EXEC must fail with EXECABORT. */
  multiFailed = false;
  /** The last command name looked up, and what it named (see Server.dispatch). */
  lastName: Buffer | null = null;
  lastCommandLookup: RegisteredCommand | undefined = undefined;
  /** The gate's reusable command context for this client (one per client, not per command). */
  context: CommandContext | null = null;
  /** Name of the last command run, for CLIENT LIST's cmd field. */
  lastCommand = 'NULL';
  readonly createdAt: number;
  lastInteraction: number;
  /** Set when the connection must close once its pending replies are written. */
  closeAfterReply = false;
  /** Set when the connection must close now, discarding pending replies (CLIENT KILL). */
  killed = false;
  /** What the client waits for while blocked in BLPOP and the like (see blocking.ts); null otherwise. */
  blocked: BlockedWait | null = null;
  /** Sends the replies written since and runs the commands held while blocked; set by the transport. */
  resume: () => void = () => {};
  /** Channels, patterns and shard channels subscribed (see pubsub/); null while there are none. */
  pubsub: ClientSubscriptions | null = null;
  /** A command waits for something outside the keyspace (WAIT for replicas): later commands wait too. */
  suspended = false;
  /** A replica attached to this server, or the link to our primary (see replication/); null for others. */
  replication: 'replica' | 'master' | null = null;
  /** CLIENT TRACKING's mode (see tracking/); null while tracking is off. */
  tracking: TrackingState | null = null;
  /**
   * Sends what was written to this client while another one ran (pub/sub messages,
   * invalidations) at the end of the event-loop turn; set by the transport.
   */
  wake: () => void = () => {};
  /** Closes the connection now; set by the transport that owns it. */
  kill: () => void = () => {
    this.killed = true;
  };

  constructor(
    readonly id: number,
    now: number,
    needsAuth: boolean,
    readonly addr = '',
    readonly laddr = '',
    readonly fd = -1,
  ) {
    this.createdAt = now;
    this.lastInteraction = now;
    this.authenticated = !needsAuth;
  }

  get resp(): RespVersion {
    return this.w.resp;
  }

  set resp(version: RespVersion) {
    this.w.resp = version;
  }
}
