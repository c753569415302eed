// Runs fuzz programs against Mnemo and a real redis-server side by side, each with two
// connections (A and B), stops at the first reply that differs, and shrinks the program to
// the fewest steps that still make that reply differ.

import { escapeBytes, WireConnection } from '../helpers/wire.ts';
import { sameExecReply, sameReply } from './compare.ts';
import type { Compare, Step } from './family.ts';
import { prelude, type Program } from './program.ts';

const REPLY_TIMEOUT_MS = 3000;
/** How long a blocking command may take to be counted as blocked (it may answer at once instead). */
const BLOCK_WAIT_MS = 1000;

export interface Mismatch {
  /** Index of the step in the program's steps (after the prelude). */
  step: number;
  conn: 'A' | 'B';
  args: string[];
  mine: string;
  theirs: string;
}

interface Side {
  a: WireConnection;
  b: WireConnection;
}

async function open(port: number): Promise<Side> {
  const [a, b] = await Promise.all([WireConnection.connect(port), WireConnection.connect(port)]);
  return { a, b };
}

function close(side: Side): void {
  side.a.close();
  side.b.close();
}

const bytes = (args: readonly string[]) => args.map((arg) => Buffer.from(arg, 'latin1'));

async function reply(conn: WireConnection): Promise<Buffer> {
  try {
    return (await conn.reply(REPLY_TIMEOUT_MS)) ?? Buffer.from('<connection closed>');
  } catch (error) {
    return Buffer.from(`<${(error as Error).message}>`);
  }
}

async function exchange(conn: WireConnection, args: readonly string[]): Promise<Buffer> {
  conn.send(encode(args));
  return reply(conn);
}

function encode(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of bytes(args)) parts.push(Buffer.from(`$${arg.length}\r\n`), arg, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** Waits until the server counts a blocked client, or B already has an answer. */
async function blockedOrAnswered(side: Side, admin: WireConnection): Promise<void> {
  const deadline = Date.now() + BLOCK_WAIT_MS;
  while (Date.now() < deadline) {
    if (side.b.hasReply) return;
    const info = (await exchange(admin, ['INFO', 'clients'])).toString('latin1');
    if (/blocked_clients:[1-9]/.test(info)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What a step's replies were on one server, for comparison: [conn, args, reply, mode] each. */
type Outcome = [conn: 'A' | 'B', args: string[], reply: Buffer, mode: Compare][];

async function perform(step: Step, side: Side, admin: WireConnection): Promise<Outcome> {
  if (step.kind === 'command') {
    const conn = step.conn === 0 ? side.a : side.b;
    return [[step.conn === 0 ? 'A' : 'B', step.args, await exchange(conn, step.args), step.compare]];
  }
  side.b.send(encode(step.blocker));
  await blockedOrAnswered(side, admin);
  const out: Outcome = [];
  if (step.wake !== null) out.push(['A', step.wake, await exchange(side.a, step.wake), 'exact']);
  out.push(['B', step.blocker, await reply(side.b), 'exact']);
  return out;
}

export interface Servers {
  mnemoPort: number;
  redisPort: number;
}

/**
 * Runs `steps` (after the program's prelude) on fresh connections to both servers, flushed
 * first. Returns the first step whose replies differ, or null.
 */
export async function runSteps(servers: Servers, program: Program, steps: readonly Step[]): Promise<Mismatch | null> {
  const [mine, theirs] = await Promise.all([open(servers.mnemoPort), open(servers.redisPort)]);
  const [mineAdmin, theirsAdmin] = await Promise.all([WireConnection.connect(servers.mnemoPort), WireConnection.connect(servers.redisPort)]);
  try {
    await Promise.all([exchange(mineAdmin, ['FLUSHALL']), exchange(theirsAdmin, ['FLUSHALL'])]);
    const all = [...prelude(program), ...steps];
    const first = all.length - steps.length;
    // Per connection, while in MULTI: the modes of the commands queued so far, for EXEC's reply.
    const queues: (Compare[] | null)[] = [null, null];
    for (let i = 0; i < all.length; i++) {
      const step = all[i]!;
      const [got, expected] = await Promise.all([perform(step, mine, mineAdmin), perform(step, theirs, theirsAdmin)]);
      for (let j = 0; j < got.length; j++) {
        const [conn, args, reply, mode] = got[j]!;
        const other = expected[j]![2];
        const index = conn === 'A' ? 0 : 1;
        const queue = queues[index]!;
        const name = args[0]!.toUpperCase();
        let same: boolean;
        if (queue !== null && name === 'EXEC') same = sameExecReply(queue, reply, other);
        else same = sameReply(queue !== null && name !== 'DISCARD' ? 'exact' : mode, reply, other);
        if (!same) return { step: i - first, conn, args, mine: escapeBytes(reply), theirs: escapeBytes(other) };
        const text = reply.toString('latin1');
        if (name === 'MULTI' && queue === null && text === '+OK\r\n') queues[index] = [];
        else if (name === 'EXEC' || name === 'DISCARD') queues[index] = null;
        else if (queue !== null && text === '+QUEUED\r\n') queue.push(mode);
      }
    }
    return null;
  } finally {
    close(mine);
    close(theirs);
    mineAdmin.close();
    theirsAdmin.close();
  }
}

/**
 * The fewest steps (found by removing chunks, then single steps, before the failing one) that
 * still make the same command's replies differ.
 */
export async function shrink(servers: Servers, program: Program, mismatch: Mismatch): Promise<{ steps: Step[]; mismatch: Mismatch }> {
  let steps = program.steps.slice(0, mismatch.step + 1);
  let last = mismatch;
  const stillFails = async (candidate: Step[]): Promise<Mismatch | null> => {
    const found = await runSteps(servers, program, candidate);
    return found !== null && found.step === candidate.length - 1 && found.args.join(' ') === mismatch.args.join(' ') ? found : null;
  };
  let chunk = Math.max(1, Math.floor((steps.length - 1) / 2));
  for (;;) {
    let removed = false;
    // From the end backwards, so the positions still to try stay where they were.
    for (let start = steps.length - 1 - chunk; start >= 0; start -= chunk) {
      const candidate = [...steps.slice(0, start), ...steps.slice(start + chunk)];
      const found = await stillFails(candidate);
      if (found !== null) {
        steps = candidate;
        last = found;
        removed = true;
      }
    }
    if (chunk > 1) chunk = Math.floor(chunk / 2);
    else if (!removed) break;
  }
  return { steps, mismatch: last };
}

/** A step as case-file lines (redis-cli quoting); B's commands are marked. */
export function describeSteps(program: Program, steps: readonly Step[]): string {
  const lines = [`# seed ${program.seed}, RESP${program.resp}, ${program.smallEncodings ? 'small' : 'default'} encoding thresholds`];
  for (const step of [...prelude(program), ...steps]) {
    if (step.kind === 'command') lines.push(`${step.conn === 1 ? '[B] ' : ''}${step.args.map(quote).join(' ')}`);
    else {
      lines.push(`[B] ${step.blocker.map(quote).join(' ')}    (blocks)`);
      if (step.wake !== null) lines.push(step.wake.map(quote).join(' '));
    }
  }
  return lines.join('\n');
}

function quote(arg: string): string {
  if (/^[!#-&(-[\]-~]+$/.test(arg)) return arg;
  let out = '"';
  for (const ch of arg) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c > 0x7e) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export function describeMismatch(program: Program, steps: readonly Step[], mismatch: Mismatch): string {
  return `${describeSteps(program, steps)}\n\n[${mismatch.conn}] ${mismatch.args.map(quote).join(' ')}\n  mnemo: ${mismatch.mine}\n  redis: ${mismatch.theirs}`;
}
