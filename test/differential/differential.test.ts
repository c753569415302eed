// Differential suite: every scenario of test/differential/cases/*.redis runs against a fresh
// Mnemo and a real redis-server (flushed), each on a fresh connection, and every reply must
// match byte for byte. See cases.ts for the file format.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/server/run.ts';
import { skipWithout, startRedisReference, type ReferenceServer } from '../helpers/reference.ts';
import { WireConnection, escapeBytes } from '../helpers/wire.ts';
import { changesServerState, commandName, loadScenarios, scenarioName, sendCase, type CaseCommand, type Scenario } from './cases.ts';

/** Start-up settings for both servers: DEBUG (PROTOCOL, DIGEST-VALUE, ...) makes good cases. */
const STARTUP: [string, string][] = [['enable-debug-command', 'local']];

const scenarios: Scenario[] = loadScenarios();

const skip = skipWithout('redis-server');
let reference: ReferenceServer | null = null;
let admin: WireConnection | null = null;
let referenceTouched = false;

async function freshReference(): Promise<ReferenceServer> {
  if (reference === null || referenceTouched) {
    admin?.close();
    await reference?.close();
    reference = await startRedisReference(STARTUP.flatMap(([name, value]) => [`--${name}`, value]));
    admin = await WireConnection.connect(reference.port);
    referenceTouched = false;
  }
  for (const command of [['FLUSHALL'], ['SCRIPT', 'FLUSH'], ['FUNCTION', 'FLUSH']]) await admin!.command(command);
  return reference;
}

before(async () => {
  if (!skip && scenarios.length > 0) await freshReference();
});

after(async () => {
  admin?.close();
  await reference?.close();
});

/** What a server answered to one command, as printable text (or why it did not). */
async function exchange(conn: WireConnection, command: CaseCommand): Promise<string> {
  try {
    const replies = await sendCase(conn, command);
    if (replies === null) return '<connection closed>';
    return replies.length === 0 ? '<no reply>' : replies.map((r) => normalize(command, r)).join('');
  } catch (error) {
    return `<${(error as Error).message}>`;
  }
}

/** Escaped reply bytes; HELLO's client id differs between any two servers and is masked. */
function normalize(command: CaseCommand, reply: Buffer): string {
  const text = escapeBytes(reply);
  return commandName(command) === 'hello' ? text.replace(/(\$2\\r\\nid\\r\\n:)\d+/, '$1<id>') : text;
}

async function runScenario(scenario: Scenario): Promise<void> {
  const ref = await freshReference();
  const mnemo = await startServer({ port: 0, host: '127.0.0.1', config: Object.fromEntries(STARTUP) });
  const mine = await WireConnection.connect(mnemo.port);
  const theirs = await WireConnection.connect(ref.port);
  try {
    // The closing PING exposes a stray extra reply to the scenario's last command.
    const closing: CaseCommand = { line: scenario.commands.at(-1)!.line, text: 'PING (after the scenario)', args: [Buffer.from('PING')] };
    for (const command of [...scenario.commands, closing]) {
      if (changesServerState(command)) referenceTouched = true;
      const [got, expected] = await Promise.all([exchange(mine, command), exchange(theirs, command)]);
      if (got !== expected) {
        assert.fail(`${scenario.file}:${command.line}: ${command.text}\n  mnemo: ${got}\n  redis: ${expected}`);
      }
    }
  } finally {
    mine.close();
    theirs.close();
    await mnemo.close();
  }
}

for (const scenario of scenarios) test(scenarioName(scenario), { skip }, () => runScenario(scenario));
