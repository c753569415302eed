// Differential suite for effects: every scenario of cases/*.redis runs against a fresh Mnemo and
// a real redis-server, and what each one propagates (what a replica receives) and the keyspace
// events it raises (what a __keyevent@*__ subscriber receives) must be the same, in order.
//
// On the Redis side a raw replica connection (SYNC) reads the replication stream and a
// PSUBSCRIBE connection reads the events; a PUBLISH from an admin connection marks where each
// scenario starts and ends in both (PUBLISH is propagated to replicas, and the marker channel
// matches the subscriber's pattern). On the Mnemo side the same streams are read in-process.
// Replies are the other suite's business (differential.test.ts): only effects are compared.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../../src/server/run.ts';
import { CommandStreamEncoder } from '../../src/server/effects.ts';
import { decodeAll } from '../helpers/resp.ts';
import { skipWithout, startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { ReplyReader, WireConnection, encodeCommand, escapeBytes } from '../helpers/wire.ts';
import { changesServerState, loadScenarios, scenarioName, sendCase, type CaseCommand, type Scenario } from './cases.ts';

const MARKER_TIMEOUT_MS = 3000;
const NOTIFY = 'AEn';
const STARTUP: [string, string][] = [
  ['enable-debug-command', 'local'],
  ['notify-keyspace-events', NOTIFY],
];
const MARKER_CHANNEL = '__keyevent@0__:mnemo-scenario-marker';

const scenarios: Scenario[] = loadScenarios();

/** One decoded command of a propagation stream or one event, as comparable text. */
type Line = string;

/** Absolute times differ between the two servers' runs: within a day of now they compare as equal. */
function maskTime(arg: string): string {
  if (!/^\d{10,13}$/.test(arg)) return arg;
  const n = Number(arg);
  const now = Date.now();
  if (Math.abs(n - now) < 86_400_000) return '<unix-ms>';
  if (Math.abs(n - now / 1000) < 86_400) return '<unix-s>';
  return arg;
}

function commandLine(argv: readonly Buffer[]): Line {
  return argv.map((arg) => maskTime(escapeBytes(arg))).join(' ');
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Reads Redis's replication stream as a replica: the RDB payload skipped, then commands. */
class ReplicaStream {
  readonly lines: Line[] = [];
  private pending = Buffer.alloc(0);
  private rdbLeft = -1;
  private readonly reader = new ReplyReader();
  /** Resolves once the RDB payload has arrived: commands from then on are streamed. */
  readonly synced: Promise<void>;
  private markSynced: () => void = () => {};
  private constructor(private readonly socket: net.Socket) {
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<ReplicaStream> {
    const socket = await connect(port);
    const stream = new ReplicaStream(socket);
    socket.write(encodeCommand(['SYNC']));
    await stream.synced;
    return stream;
  }

  private receive(chunk: Buffer): void {
    if (this.rdbLeft < 0) {
      this.pending = Buffer.concat([this.pending, chunk]);
      // While the RDB is being made the primary sends bare newlines to keep the link alive.
      let at = 0;
      while (at < this.pending.length && this.pending[at] === 0x0a) at++;
      const lineEnd = this.pending.indexOf('\r\n', at);
      if (lineEnd < 0) return;
      this.rdbLeft = Number(this.pending.toString('latin1', at + 1, lineEnd));
      chunk = this.pending.subarray(lineEnd + 2);
    }
    const skip = Math.min(this.rdbLeft, chunk.length);
    this.rdbLeft -= skip;
    if (this.rdbLeft === 0) this.markSynced();
    chunk = chunk.subarray(skip);
    if (chunk.length === 0) return;
    this.reader.push(chunk);
    for (let reply = this.reader.next(); reply !== null; reply = this.reader.next()) {
      const argv = (decodeAll(reply, 'latin1')[0] as string[]).map((arg) => Buffer.from(arg, 'latin1'));
      this.lines.push(commandLine(argv));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Reads keyspace events from a PSUBSCRIBE connection. */
class EventStream {
  readonly lines: Line[] = [];
  private readonly reader = new ReplyReader();
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      for (let reply = this.reader.next(); reply !== null; reply = this.reader.next()) {
        const [kind, , channel, message] = decodeAll(reply, 'latin1')[0] as string[];
        if (kind !== 'pmessage') continue;
        const match = /^__keyevent@(\d+)__:(.*)$/s.exec(channel!)!;
        this.lines.push(eventLine(match[2]!, Number(match[1]), Buffer.from(message!, 'latin1')));
      }
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<EventStream> {
    const socket = await connect(port);
    const stream = new EventStream(socket);
    socket.write(encodeCommand(['PSUBSCRIBE', '__keyevent@*__:*']));
    return stream;
  }

  close(): void {
    this.socket.destroy();
  }
}

function eventLine(event: string, db: number, key: Buffer): Line {
  return `${event} @${db} ${escapeBytes(key)}`;
}

interface Reference {
  server: ReferenceServer;
  admin: WireConnection;
  replica: ReplicaStream;
  events: EventStream;
  markers: number;
}

const skip = skipWithout('redis-server');
let reference: Reference | null = null;
let referenceTouched = false;

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + MARKER_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Publishes a marker and returns the positions in both streams just after it. */
async function mark(ref: Reference): Promise<{ replica: number; events: number }> {
  const marker = `marker-${++ref.markers}`;
  await ref.admin.command(['PUBLISH', MARKER_CHANNEL, marker]);
  const inReplica = `PUBLISH ${MARKER_CHANNEL} ${marker}`;
  const inEvents = eventLine('mnemo-scenario-marker', 0, Buffer.from(marker));
  await waitFor(() => ref.replica.lines.includes(inReplica) && ref.events.lines.includes(inEvents), `marker ${marker}`);
  return { replica: ref.replica.lines.indexOf(inReplica) + 1, events: ref.events.lines.indexOf(inEvents) + 1 };
}

async function closeReference(): Promise<void> {
  if (reference === null) return;
  reference.admin.close();
  reference.replica.close();
  reference.events.close();
  await reference.server.close();
  reference = null;
}

async function freshReference(): Promise<Reference> {
  if (reference === null || referenceTouched) {
    await closeReference();
    const server = await startRedisReference([
      ...STARTUP.flatMap(([name, value]) => [`--${name}`, value]),
      '--repl-diskless-sync', 'no',
      '--repl-ping-replica-period', '3600',
    ]);
    const [admin, replica, events] = await Promise.all([WireConnection.connect(server.port), ReplicaStream.open(server.port), EventStream.open(server.port)]);
    reference = { server, admin, replica, events, markers: 0 };
    referenceTouched = false;
  }
  for (const command of [['FLUSHALL'], ['SCRIPT', 'FLUSH'], ['FUNCTION', 'FLUSH']]) await reference.admin.command(command);
  return reference;
}

after(closeReference);

async function send(conn: WireConnection, command: CaseCommand): Promise<void> {
  try {
    await sendCase(conn, command);
  } catch {
    // A command that times out (a blocking one) or closes the connection still has effects to compare.
  }
}

function firstDifference(mine: Line[], theirs: Line[]): string {
  const length = Math.max(mine.length, theirs.length);
  for (let i = 0; i < length; i++) {
    if (mine[i] !== theirs[i]) return `at #${i + 1}: mnemo ${mine[i] ?? '<nothing>'} | redis ${theirs[i] ?? '<nothing>'}`;
  }
  return '';
}

async function runScenario(scenario: Scenario): Promise<void> {
  const ref = await freshReference();
  const mnemo = await startServer({ port: 0, host: '127.0.0.1', config: Object.fromEntries(STARTUP) });
  // The reference's replica stream has database 0 selected after the marker (the admin's).
  const encoder = new CommandStreamEncoder(0);
  const mineStream: Line[] = [];
  const mineEvents: Line[] = [];
  mnemo.server.effects.onPropagate((db, argv) => {
    // Through the encoder and back, so that SELECTs appear where a replica would get them.
    for (const reply of decodeAll(encoder.encode(db, argv), 'latin1')) {
      mineStream.push(commandLine((reply as string[]).map((arg) => Buffer.from(arg, 'latin1'))));
    }
  });
  mnemo.server.effects.onEvent((_type, event, db, key) => mineEvents.push(eventLine(event, db, key)));
  const mine = await WireConnection.connect(mnemo.port);
  const theirs = await WireConnection.connect(ref.server.port);
  try {
    const start = await mark(ref);
    for (const command of scenario.commands) {
      if (changesServerState(command)) referenceTouched = true;
      await Promise.all([send(mine, command), send(theirs, command)]);
    }
    const end = await mark(ref);
    const theirStream = ref.replica.lines.slice(start.replica, end.replica - 1).filter((line) => line !== 'PING');
    // A SELECT just before the closing marker is the marker's own (the admin is in database 0).
    if (theirStream.at(-1)?.startsWith('SELECT ')) theirStream.pop();
    const theirEvents = ref.events.lines.slice(start.events, end.events - 1);
    const where = `${scenario.file}:${scenario.line}`;
    assert.deepEqual(mineStream, theirStream, `${where}: propagation differs ${firstDifference(mineStream, theirStream)}`);
    assert.deepEqual(mineEvents, theirEvents, `${where}: keyspace events differ ${firstDifference(mineEvents, theirEvents)}`);
  } finally {
    mine.close();
    theirs.close();
    await mnemo.close();
  }
}

for (const scenario of scenarios) test(scenarioName(scenario), { skip }, () => runScenario(scenario));
