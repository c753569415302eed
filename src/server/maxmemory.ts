// maxmemory at the gate: the settings that drive the keyspace's evictor, and the check Redis's
// processCommand makes before every command: evict if over the limit, and when nothing can be
// evicted refuse what would add memory (commands flagged denyoom, anything queued in MULTI, an
// EXEC whose queue holds a denyoom command) with -OOM.

import { Flag, type RegisteredCommand } from '../commands/registry.ts';
import { OOM } from '../errors.ts';
import { EvictResult, type Policy } from '../store/eviction.ts';
import type { Client } from './client.ts';
import type { Server } from './server.ts';

const SETTINGS = new Set(['maxmemory', 'maxmemory-policy', 'maxmemory-samples', 'maxmemory-eviction-tenacity', 'lfu-log-factor', 'lfu-decay-time', 'lazyfree-lazy-eviction']);
/** What a client in MULTI may still send while out of memory (EXEC only when no queued command is denyoom). */
const ALLOWED_IN_MULTI = new Set(['exec', 'discard', 'quit', 'reset']);

export function installMaxmemory(server: Server): void {
  const { config, keyspace, effects } = server;
  const evictor = keyspace.evictor;
  // A paused dataset stays as the pauser saw it: no evictions, as no expiry.
  evictor.canEvict = () => server.pause === null;
  // Registered now, after tiering's, so that values go to disk before any would be evicted.
  const switchCheck = server.switchableCheck((client, cmd) => (evictor.maxmemory !== 0 && evictor.perform() === EvictResult.Fail && refusedOnOom(client, cmd) ? OOM : null));
  const apply = (): void => {
    evictor.maxmemory = config.number('maxmemory');
    switchCheck(evictor.maxmemory !== 0);
    evictor.policy = config.get('maxmemory-policy') as Policy;
    evictor.setSamples(config.number('maxmemory-samples'));
    evictor.setTenacity(config.number('maxmemory-eviction-tenacity'));
    keyspace.lfuLogFactor = config.number('lfu-log-factor');
    keyspace.lfuDecayTime = config.number('lfu-decay-time');
    effects.lazyEvict = config.bool('lazyfree-lazy-eviction');
  };
  apply();
  config.onChange((name) => {
    if (!SETTINGS.has(name)) return;
    apply();
    if (name !== 'maxmemory' || !evictor.overLimit) return;
    server.log.warning(
      `WARNING: the new maxmemory value set via CONFIG SET (${evictor.maxmemory}) is smaller than the current memory usage (${keyspace.usedBytes}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
    );
    // As Redis, the keys go from the event loop, not from within CONFIG SET.
    evictor.startLoop();
  });
}

function refusedOnOom(client: Client, cmd: RegisteredCommand): boolean {
  const name = cmd.spec.name;
  if (name === 'exec') return client.multi !== null && client.multi.some((queued) => queued.cmd.has(Flag.DenyOom));
  if (client.multi !== null) return !ALLOWED_IN_MULTI.has(name);
  return cmd.has(Flag.DenyOom);
}
