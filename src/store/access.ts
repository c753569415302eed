// Per-key access metadata, in the 24 bits each entry keeps for it (database.ts, F_META bits
// 8-31), read as Redis reads its robj->lru field:
// - under an LRU (or any non-LFU) policy: the LRU clock at the last access, in seconds, 24 bits
//   (it wraps every 194 days, as Redis's does);
// - under an LFU policy: the time of the last decrement in minutes (16 bits) above a
//   logarithmic access counter (8 bits), which grows with probability 1 / ((c - 5) * factor + 1)
//   and loses one per `lfu-decay-time` minutes without access.
// Like Redis, switching between LRU and LFU policies reinterprets the bits, and the figures
// take a while to become meaningful again.

/** The LRU clock's range: 24 bits of seconds. */
export const LRU_CLOCK_MAX = 0xffffff;
/** A new key's LFU counter, so it is not evicted before it has had a chance to be read. */
export const LFU_INIT_VAL = 5;
const LFU_COUNTER_MAX = 255;

/** The 24-bit LRU clock in seconds at `nowMs`. */
export function lruClock(nowMs: number): number {
  return Math.floor(nowMs / 1000) & LRU_CLOCK_MAX;
}

/** Milliseconds since an LRU stamp (Redis's estimateObjectIdleTime), across the clock's wrap. */
export function lruIdleMs(lru: number, nowMs: number): number {
  const clock = lruClock(nowMs);
  return (clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru)) * 1000;
}

/** The LRU stamp of a key idle for `idleSeconds` (Redis's objectSetLRUOrLFU). */
export function lruForIdle(idleSeconds: number, nowMs: number): number {
  const clock = lruClock(nowMs);
  const stamp = clock - idleSeconds;
  // Before the clock's last wrap: read back across it, as Redis 7.0 does.
  return stamp >= 0 ? stamp : (stamp % LRU_CLOCK_MAX) + LRU_CLOCK_MAX;
}

/** Minutes, 16 bits: the LFU decrement clock. */
export function lfuMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60_000) & 0xffff;
}

/** LFU bits with `counter` stamped now. */
export function lfuData(counter: number, nowMs: number): number {
  return (lfuMinutes(nowMs) << 8) | counter;
}

/**
 * The LFU counter as it reads now (Redis's LFUDecrAndReturn): one less per `decayMinutes`
 * elapsed since the stamp; nothing is written.
 */
export function lfuCounter(data: number, nowMs: number, decayMinutes: number): number {
  const counter = data & 0xff;
  if (decayMinutes === 0) return counter;
  const stamp = data >>> 8;
  const now = lfuMinutes(nowMs);
  const elapsed = now >= stamp ? now - stamp : 0xffff - stamp + now;
  const periods = Math.floor(elapsed / decayMinutes);
  return periods >= counter ? 0 : counter - periods;
}

/** The LFU bits after one access (Redis's updateLFU: decay, then a logarithmic increment). */
export function lfuAccess(data: number, nowMs: number, decayMinutes: number, logFactor: number): number {
  let counter = lfuCounter(data, nowMs, decayMinutes);
  if (counter < LFU_COUNTER_MAX) {
    const base = counter > LFU_INIT_VAL ? counter - LFU_INIT_VAL : 0;
    if (Math.random() < 1 / (base * logFactor + 1)) counter++;
  }
  return lfuData(counter, nowMs);
}
