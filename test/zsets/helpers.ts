import { Harness } from '../helpers/harness.ts';

/** Both encodings, as Redis's zset.tcl reruns its suite: defaults, and a skiplist from the first member. */
export const ENCODINGS: [string, Record<string, string>][] = [
  ['listpack', {}],
  ['skiplist', { 'zset-max-listpack-entries': '0' }],
];

export function forEachEncoding(body: (h: () => Harness, encoding: string) => void): void {
  for (const [encoding, config] of ENCODINGS) body(() => new Harness(config), encoding);
}
