// A harness whose maxmemory leaves room for about `budget` bytes of keys beyond what the
// engine holds once its first structures exist (the first key allocates an entry page, the
// first TTL a page of the TTL list).

import { Harness } from '../helpers/harness.ts';
import { ReplyError, type Reply } from '../helpers/resp.ts';

export function limitedHarness(policy: string, budget: number, config: Record<string, string> = {}): Harness {
  const h = new Harness({ 'maxmemory-policy': policy, ...config });
  h.run('SET', 'warm-up', 'x', 'EX', '100');
  h.run('DEL', 'warm-up');
  h.run('CONFIG', 'SET', 'maxmemory', String(h.server.keyspace.usedBytes + budget));
  return h;
}

/** The keys of `names` that still exist. */
export function survivors(h: Harness, names: string[]): string[] {
  return names.filter((name) => h.run('EXISTS', name) === 1);
}

/** Bytes a key of a few characters with a 40-byte value costs, index share included. */
export const KEY_BYTES = 60;

export function range(prefix: string, from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
}

/** The text of an error reply; null for any other reply. */
export function errorOf(reply: Reply): string | null {
  return reply instanceof ReplyError ? reply.text : null;
}
