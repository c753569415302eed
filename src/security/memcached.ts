// The Memcached front under the same ACL users: logins (SASL PLAIN, ASCII auth) check a user's
// password, and each operation is checked as the Redis command it amounts to (a get as GET, a
// set as SET, a delete as DEL, ...), so the user's command rules and key patterns (%R~ for reads,
// %W~ for writes, through the key specs' flags) apply unchanged.

import type { RegisteredCommand } from '../commands/registry.ts';
import type { Session } from '../memcached/session.ts';
import type { Server } from '../server/server.ts';
import { Denial, type User } from './acl.ts';

/** What a Memcached operation does, by the Redis command it is checked as. */
export const MemcachedAccess = {
  Get: 'get',
  Set: 'set',
  Append: 'append',
  Incr: 'incrby',
  Delete: 'del',
  Touch: 'expire',
  Flush: 'flushall',
} as const;
export type MemcachedAccess = (typeof MemcachedAccess)[keyof typeof MemcachedAccess];

/** Whether an operation checked as these accesses changes items (a replica refuses it). */
export function changesItems(accesses: readonly MemcachedAccess[] | undefined): boolean {
  return accesses?.some((access) => access !== MemcachedAccess.Get) ?? false;
}

/** Filler arguments up to each command's arity; only the key position matters to the check. */
const FILLER = Buffer.from('0');
/** A failed login's ACL LOG object, as Redis logs a failed AUTH. */
const AUTH = [Buffer.from('auth')];

export class MemcachedPermissions {
  private readonly commands = new Map<MemcachedAccess, { cmd: RegisteredCommand; argv: Buffer[] }>();

  constructor(private readonly server: Server) {
    for (const name of Object.values(MemcachedAccess)) {
      const cmd = server.commands.lookupName(name)!;
      const argv = [Buffer.from(name), ...Array.from({ length: Math.abs(cmd.arity) - 1 }, () => FILLER)];
      this.commands.set(name, { cmd, argv });
    }
  }

  /** Whether connections must log in first: the default user has a password (or is off). */
  get authRequired(): boolean {
    return this.server.acl.authRequired;
  }

  get defaultUser(): User {
    return this.server.acl.defaultUser;
  }

  /**
   * The user `username` if `password` is its password. A name that is no ACL user stands for
   * the default user, as Memcached clients must send some name and, before ACLs, any name with
   * requirepass's password logged in.
   */
  login(session: Session, username: string, password: Buffer): User | null {
    const user = this.server.acl.users.get(username) ?? this.server.acl.defaultUser;
    if (user.accepts(password)) return user;
    this.server.acl.logFrontDenial(Denial.Auth, username, this.clientInfo(session, 'auth', username), null, AUTH);
    return null;
  }

  /** Whether the session's user may do `access` on `key` (no key for flush_all); a denial goes to the ACL LOG. */
  allows(session: Session, access: MemcachedAccess, key: Uint8Array | null): boolean {
    const user = session.user;
    if (user.unrestricted) return true;
    const { cmd, argv } = this.commands.get(access)!;
    if (key !== null) argv[1] = Buffer.from(key.buffer, key.byteOffset, key.length);
    const denial = this.server.acl.checkUser(user, cmd, argv);
    if (denial === Denial.None) return true;
    this.server.acl.logFrontDenial(denial, user.name, this.clientInfo(session, cmd.fullName, user.name), cmd, argv);
    return false;
  }

  /** ACL LOG's client-info for a Memcached connection: CLIENT LIST's key=value form, its own fields. */
  private clientInfo(session: Session, command: string, username: string): string {
    return `addr=${session.peer} laddr=${session.local} front=memcached cmd=${command} user=${username}`;
  }
}
