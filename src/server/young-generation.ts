// The server process keeps V8's young generation at its starting size.
//
// Why: under a sustained write load (a bulk load, a pipelined import) V8 doubles the
// semi-spaces of the young generation step by step up to Node 20's 2 x 16 MiB, and it never
// shrinks them again while the process is idle: no GC runs without allocation, and not even a
// full GC gives those pages back. That is 30-80 MB of resident memory that holds no data,
// measured as 15-35 bytes per item of a 1M-item load (bench: hash fields 55 -> 37 B/field,
// sorted-set members 153 -> 117 B/member). A small young generation means more, shorter
// scavenges; what survives them is what a server keeps anyway (stored values, a window of
// pipelined requests), so the CPU per request stays the same (bench/run.ts throughput rows).
//
// Only the server's own process does this (the CLI and the benchmark's child): V8 flags are
// process-wide, and an application embedding Mnemo keeps its own GC settings. It is set at run
// time, not on node's command line: V8 raises a growth factor below 2 to 2 when it sets the heap
// up, but reads the flag afresh each time it considers growing the young generation
// (test/server/young-generation.test.ts checks that this still holds).

import v8 from 'node:v8';

export function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
