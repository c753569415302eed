// Per-server facts the admin commands keep between calls: identifiers and the memory peak.

import { randomBytes } from 'node:crypto';
import type { Server } from '../../server/server.ts';

export interface AdminState {
  /** INFO run_id: random per server start. */
  readonly runId: string;
  /** INFO master_replid; DEBUG CHANGE-REPL-ID replaces it. */
  replId: string;
  /** used_memory's highest value seen by INFO or MEMORY. */
  peakMemory: number;
}

const states = new WeakMap<Server, AdminState>();

export function adminState(server: Server): AdminState {
  let state = states.get(server);
  if (state === undefined) {
    state = { runId: randomHex(), replId: randomHex(), peakMemory: 0 };
    states.set(server, state);
  }
  return state;
}

export function randomHex(): string {
  return randomBytes(20).toString('hex');
}
