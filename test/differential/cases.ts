// Reads differential case files: one command per line in redis-cli quoting, `#` comment lines,
// blank lines between scenarios.

import { splitInlineArgs } from '../../src/protocol/resp/parser.ts';

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
