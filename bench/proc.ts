// What the kernel says a process has used: CPU time from /proc/<pid>/stat and resident memory
// from /proc/<pid>/status. CPU time, unlike throughput, hardly depends on how busy the rest of
// the machine is, so it is the fairer figure on a shared box.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks = 0;

/** Clock ticks per second, the unit of utime and stime, asked of getconf once, when first needed. */
function ticksPerSecond(): number {
  clockTicks ||= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return clockTicks;
}

/** utime + stime in clock ticks, from the text of /proc/<pid>/stat. */
export function parseCpuTicks(stat: string): number {
  // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the full line, i.e. 12 and 13 after the name and state.
  return Number(fields[11]) + Number(fields[12]);
}

/** VmRSS in bytes, from the text of /proc/<pid>/status. */
export function parseRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error('no VmRSS line in /proc status');
  return Number(match[1]) * 1024;
}

export function cpuTicks(pid: number): number {
  return parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function rssBytes(pid: number): number {
  return parseRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** CPU microseconds per request for a tick difference over `requests` requests. */
export function cpuMicrosPerRequest(ticks: number, requests: number): number {
  return (ticks / ticksPerSecond()) * 1e6 / requests;
}
