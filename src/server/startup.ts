// Start-up configuration as redis-server reads it: an optional config file, then
// "--name value ..." flags, each applied as a line of the file. Errors stop the start with
// redis-server's "FATAL CONFIG FILE ERROR" report.

import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { splitInlineArgs } from '../protocol/resp/parser.ts';
import { Config, ConfigError } from './config.ts';

export class StartupError extends Error {}

/** Settings that take several words and accumulate over repeated lines, as in redis.conf. */
const ACCUMULATING = new Set(['save']);

export interface StartupLine {
  text: string;
  lineNumber: number;
}

/** Turns command-line arguments into config lines (file lines first, then flags). */
export function linesFromArgs(args: readonly string[]): StartupLine[] {
  const lines: StartupLine[] = [];
  let i = 0;
  if (args.length > 0 && !args[0]!.startsWith('--')) {
    const file = args[0]!;
    let content: string;
    try {
      content = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
    } catch (error) {
      throw new StartupError(`Fatal error, can't open config file '${file}': ${(error as Error).message}`);
    }
    content.split('\n').forEach((text, index) => lines.push({ text, lineNumber: index + 1 }));
    i = 1;
  }
  let current: string[] | null = null;
  const flush = () => {
    if (current) lines.push({ text: current.map(quoteArg).join(' '), lineNumber: lines.length + 1 });
  };
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--') && arg.length > 2 && !(current && current.length > 1 && /^--\d/.test(arg))) {
      flush();
      current = [arg.slice(2)];
    } else if (current) {
      current.push(arg);
    } else {
      throw new StartupError(`Invalid argument '${arg}': options must start with --`);
    }
  }
  flush();
  return lines;
}

function quoteArg(arg: string): string {
  return arg === '' || /[\s"'\\]/.test(arg) ? JSON.stringify(arg) : arg;
}

/** Applies config lines to `config`, throwing StartupError in redis-server's report format. */
export function applyLines(config: Config, lines: readonly StartupLine[], version: string): void {
  const accumulated = new Map<string, string[]>();
  for (const { text, lineNumber } of lines) {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const bytes = Buffer.from(trimmed);
    const words = splitInlineArgs(bytes, 0, bytes.length)?.map((b) => b.toString());
    const fail = (reason: string) =>
      new StartupError(
        `\n*** FATAL CONFIG FILE ERROR (Mnemo ${version}) ***\nReading the configuration file, at line ${lineNumber}\n>>> '${trimmed}'\n${reason}`,
      );
    if (!words) throw fail('Unbalanced quotes in configuration line');
    const name = words[0]!.toLowerCase();
    const def = config.def(name);
    if (!def || words.length < 2) throw fail('Bad directive or wrong number of arguments');
    let value = words.slice(1).join(' ');
    if (ACCUMULATING.has(def.name)) {
      const list = accumulated.get(def.name) ?? [];
      if (value !== '') list.push(value);
      accumulated.set(def.name, list);
      value = list.join(' ');
    } else if (words.length > 2 && def.type !== 'string') {
      throw fail('wrong number of arguments');
    }
    try {
      config.set(def.name, value, true);
    } catch (error) {
      if (error instanceof ConfigError) throw fail(error.message);
      throw error;
    }
  }
}
