// Comparing one reply from Mnemo with Redis's under a step's Compare mode, on the raw bytes.

import { replyEnd } from '../helpers/wire.ts';
import type { Compare } from './family.ts';

interface Node {
  type: string;
  /** The header line after the type byte (a length, a value or an error text). */
  line: string;
  children: Node[];
  raw: string;
}

const AGGREGATES = '*~>%|';

function parse(data: Buffer, pos: number): [Node, number] {
  const type = String.fromCharCode(data[pos]!);
  const lineEnd = data.indexOf('\r\n', pos);
  const line = data.toString('latin1', pos + 1, lineEnd);
  const end = replyEnd(data, pos);
  const children: Node[] = [];
  if (AGGREGATES.includes(type) && Number(line) > 0) {
    let at = lineEnd + 2;
    const n = Number(line) * (type === '%' || type === '|' ? 2 : 1);
    for (let i = 0; i < n; i++) {
      const [child, next] = parse(data, at);
      children.push(child);
      at = next;
    }
  }
  return [{ type, line, children, raw: data.toString('latin1', pos, end) }, end];
}

/** Types and lengths only; errors and nulls as they are. */
function shape(node: Node): string {
  if (AGGREGATES.includes(node.type)) return `${node.type}${node.line}[${node.children.map(shape).join(',')}]`;
  if (node.type === '$' || node.type === '=') return node.line === '-1' ? '$-1' : '$';
  if (node.type === ':' || node.type === ',') return node.type;
  return node.raw;
}

/** An aggregate's elements (pairs kept together when `paired`) in sorted order. */
function unordered(node: Node, paired: boolean): string {
  if (!AGGREGATES.includes(node.type)) return node.raw;
  const items: string[] = [];
  const step = paired || node.type === '%' ? 2 : 1;
  for (let i = 0; i < node.children.length; i += step) {
    items.push(node.children.slice(i, i + step).map((c) => c.raw).join(''));
  }
  return `${node.type}${node.line}:${items.sort().join('|')}`;
}

function scan(a: Node, b: Node, paired: boolean): boolean {
  if (a.type !== '*' || b.type !== '*' || a.children.length !== 2 || b.children.length !== 2) return a.raw === b.raw;
  // Cursors are positions in each server's own table; only a finished scan lists everything.
  const done = (n: Node) => n.children[0]!.raw === '$1\r\n0\r\n';
  if (done(a) && done(b)) return unordered(a.children[1]!, paired) === unordered(b.children[1]!, paired);
  return a.children[0]!.type === b.children[0]!.type;
}

const TIME_TOLERANCE = 2000n;

function time(a: Node, b: Node): boolean {
  if (a.type !== ':' || b.type !== ':') return a.raw === b.raw;
  const x = BigInt(a.line);
  const y = BigInt(b.line);
  if (x <= 0n || y <= 0n) return x === y;
  const diff = x > y ? x - y : y - x;
  return diff <= TIME_TOLERANCE;
}

/** An array with each run of elements equal up to their first NUL put in byte order. */
function alphaTies(node: Node): string {
  if (node.type !== '*') return node.raw;
  const cut = (n: Node) => {
    const body = n.raw.slice(n.raw.indexOf('\r\n') + 2, -2);
    const nul = body.indexOf('\x00');
    return nul < 0 ? body : body.slice(0, nul);
  };
  const out: string[] = [];
  let run: Node[] = [];
  const flush = () => {
    out.push(...run.map((n) => n.raw).sort());
    run = [];
  };
  for (const child of node.children) {
    if (run.length > 0 && cut(run[0]!) !== cut(child)) flush();
    run.push(child);
  }
  flush();
  return out.join('');
}

export function sameReply(mode: Compare, mine: Buffer, theirs: Buffer): boolean {
  if (mode === 'exact' || mine.length === 0 || theirs.length === 0) return mine.equals(theirs);
  const [a] = parse(mine, 0);
  const [b] = parse(theirs, 0);
  switch (mode) {
    case 'shape':
      return shape(a) === shape(b);
    case 'length':
      return AGGREGATES.includes(a.type) ? a.type === b.type && a.line === b.line : a.raw === b.raw;
    case 'unordered':
      return unordered(a, false) === unordered(b, false);
    case 'pairs':
      return unordered(a, true) === unordered(b, true);
    case 'scan':
      return scan(a, b, false);
    case 'scan-pairs':
      return scan(a, b, true);
    case 'time':
      return time(a, b);
    case 'sort-alpha':
      return alphaTies(a) === alphaTies(b);
  }
}

/** EXEC's reply: each queued command's reply under that command's mode. */
export function sameExecReply(modes: readonly Compare[], mine: Buffer, theirs: Buffer): boolean {
  if (mine.length === 0 || theirs.length === 0) return mine.equals(theirs);
  const [a] = parse(mine, 0);
  const [b] = parse(theirs, 0);
  if (a.type !== '*' || b.type !== '*' || a.children.length !== modes.length || b.children.length !== modes.length) return a.raw === b.raw;
  return modes.every((mode, i) => sameReply(mode, Buffer.from(a.children[i]!.raw, 'latin1'), Buffer.from(b.children[i]!.raw, 'latin1')));
}
