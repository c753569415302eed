// Reads differential case files: one command per line in redis-cli quoting, `#` comment lines,
// blank lines between scenarios.

import { readdirSync, readFileSync } from 'node:fs';
import { splitInlineArgs } from '../../src/protocol/resp/parser.ts';
import { encodeCommand, type WireConnection } from '../helpers/wire.ts';

const CASES = new URL('./cases/', import.meta.url);
const REPLY_TIMEOUT_MS = 2000;
/** Pub/Sub (un)subscriptions answer once per channel: their replies are read until quiet. */
const MULTI_REPLY = /^[ps]?(un)?subscribe$/;
const QUIET_MS = 150;
/** Commands whose effects outlive FLUSHALL and the connection: the reference restarts after them. */
const SERVER_STATE = new Set(['config', 'acl', 'client', 'debug', 'replicaof', 'slaveof', 'shutdown']);

export interface CaseCommand {
  /** 1-based line number in the case file. */
  line: number;
  text: string;
  args: Buffer[];
}

export interface Scenario {
  file: string;
  /** Line of the scenario's first command. */
  line: number;
  commands: CaseCommand[];
}

export function parseCaseFile(file: string, content: string): Scenario[] {
  const scenarios: Scenario[] = [];
  let current: CaseCommand[] = [];
  const finish = () => {
    if (current.length > 0) scenarios.push({ file, line: current[0]!.line, commands: current });
    current = [];
  };
  content.split('\n').forEach((raw, index) => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = text.trim();
    if (trimmed === '') return finish();
    if (trimmed.startsWith('#')) return;
    const bytes = Buffer.from(text);
    const args = splitInlineArgs(bytes, 0, bytes.length);
    if (args === null) throw new Error(`${file}:${index + 1}: unbalanced quotes in ${JSON.stringify(text)}`);
    current.push({ line: index + 1, text: trimmed, args });
  });
  finish();
  return scenarios;
}

/** Every scenario of cases/*.redis, files in name order. */
export function loadScenarios(): Scenario[] {
  return readdirSync(CASES)
    .filter((name) => name.endsWith('.redis'))
    .sort()
    .flatMap((name) => parseCaseFile(name, readFileSync(new URL(name, CASES), 'utf8')));
}

/** A scenario's test name: where it is and its first command, shortened. */
export function scenarioName(scenario: Scenario): string {
  const first = scenario.commands[0]!.text;
  return `${scenario.file}:${scenario.line} ${first.length > 60 ? `${first.slice(0, 57)}...` : first}`;
}

export function commandName(command: CaseCommand): string {
  return command.args[0]?.toString('latin1').toLowerCase() ?? '';
}

/** Whether the command leaves state behind that FLUSHALL does not clear (the reference restarts). */
export function changesServerState(command: CaseCommand): boolean {
  return SERVER_STATE.has(commandName(command));
}

/**
 * Sends one case command and reads what it answers: one reply, or for (un)subscriptions every
 * reply until the connection goes quiet. null when the connection closed instead.
 */
export async function sendCase(conn: WireConnection, command: CaseCommand): Promise<Buffer[] | null> {
  if (MULTI_REPLY.test(commandName(command))) {
    conn.send(encodeCommand(command.args));
    return conn.repliesUntilQuiet(QUIET_MS);
  }
  const reply = await conn.command(command.args, REPLY_TIMEOUT_MS);
  return reply === null ? null : [reply];
}
