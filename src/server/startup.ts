// Start-up configuration as redis-server reads it: an optional config file, then
// "--name value ..." flags, each applied as a line of the file. Errors stop the start with
// redis-server's "FATAL CONFIG FILE ERROR" report. Directives Mnemo accepts without acting on
// them come back as notes for the log, which opens only once the configuration is known.

import { Buffer } from 'node:buffer';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { splitInlineArgs } from '../protocol/resp/parser.ts';
import { stringMatch } from '../util/glob.ts';
import { Config, ConfigError } from './config.ts';
import type { LogLevel } from './log.ts';

export class StartupError extends Error {}

/** Settings that accumulate over repeated lines, as `save` does in redis.conf. */
const ACCUMULATING = new Set(['save']);

/** Directives Redis 7.0 still accepts with one value and ignores. */
const DEPRECATED = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);

export interface StartupLine {
  text: string;
  lineNumber: number;
}

export interface StartupNote {
  level: LogLevel;
  message: string;
}

/** strerror's words for the common cases, as redis-server prints them. */
export function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'ENOSPC') return 'No space left on device';
  if (code === 'EISDIR') return 'Is a directory';
  return (error as Error).message;
}

export function fatal(version: string, reason: string, where = ''): StartupError {
  return new StartupError(`\n*** FATAL CONFIG FILE ERROR (Mnemo ${version}) ***\n${where}${reason}`);
}

function readConfigFile(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (error) {
    throw new StartupError(`Fatal error, can't open config file '${file}': ${describeError(error)}`);
  }
}

function linesOf(content: string): StartupLine[] {
  return content.split('\n').map((text, index) => ({ text, lineNumber: index + 1 }));
}

/** Turns command-line arguments into config lines (file lines first, then flags). */
export function linesFromArgs(args: readonly string[]): StartupLine[] {
  const lines: StartupLine[] = [];
  let i = 0;
  if (args.length > 0 && !args[0]!.startsWith('--')) {
    lines.push(...linesOf(readConfigFile(args[0]!)));
    i = 1;
  }
  let current: string[] | null = null;
  const flush = () => {
    if (current) lines.push({ text: current.map(quoteArg).join(' '), lineNumber: lines.length + 1 });
  };
  for (; i < args.length; i++) {
    const arg = args[i]!;
    // "--save 900 1 --save 300 10" starts a new option at each "--name"; a negative number
    // after an option's first value stays one of its values, as redis-server reads it.
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

/** The files an `include` names: one path, or every match of a glob (none is fine), sorted. */
function includedFiles(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const dir = dirname(pattern);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const glob = Buffer.from(basename(pattern));
  return names
    .filter((name) => stringMatch(glob, Buffer.from(name)))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Applies config lines to `config`, throwing StartupError in redis-server's report format.
 * Returns what the log should say about directives accepted but not acted on.
 */
export function applyLines(config: Config, lines: readonly StartupLine[], version: string): StartupNote[] {
  const notes: StartupNote[] = [];
  const accumulated = new Map<string, string[]>();
  const apply = (lines: readonly StartupLine[], depth: number): void => {
    for (const { text, lineNumber } of lines) {
      const trimmed = text.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const bytes = Buffer.from(trimmed);
      const words = splitInlineArgs(bytes, 0, bytes.length)?.map((b) => b.toString());
      const fail = (reason: string) => fatal(version, reason, `Reading the configuration file, at line ${lineNumber}\n>>> '${trimmed}'\n`);
      if (!words) throw fail('Unbalanced quotes in configuration line');
      if (words.length === 0) continue;
      const name = words[0]!.toLowerCase();
      const def = config.def(name);
      if (def === undefined) {
        const problem = directive(config, name, words, notes, (file) => {
          // Redis reads included files with their own line numbers; a loop of includes would never end.
          if (depth > 32) throw fail('include nesting is too deep');
          for (const path of includedFiles(file)) apply(linesOf(readConfigFile(path)), depth + 1);
        });
        if (problem !== null) throw fail(problem);
        continue;
      }
      if (!def.multiArg && words.length !== 2) throw fail('wrong number of arguments');
      let value = words.slice(1).join(' ');
      if (ACCUMULATING.has(def.name)) {
        // An empty value clears the save points read so far; later lines add to nothing.
        const list = value === '' ? [] : [...(accumulated.get(def.name) ?? []), value];
        accumulated.set(def.name, list);
        value = list.join(' ');
      }
      try {
        config.set(def.name, value, true);
      } catch (error) {
        if (error instanceof ConfigError) throw fail(error.message);
        throw error;
      }
    }
  };
  apply(lines, 0);
  // Redis's checks once every line is read, reported without a line.
  const logfile = config.get('logfile');
  if (logfile !== '') {
    try {
      // Relative to dir, which redis-server has changed to by now.
      appendFileSync(resolve(config.get('dir'), logfile), '');
    } catch (error) {
      throw fatal(version, `Can't open the log file: ${describeError(error)}`);
    }
  }
  if (config.bool('cluster-enabled') && config.get('replicaof') !== '') {
    throw fatal(version, 'replicaof directive not allowed in cluster mode');
  }
  for (const def of config.table) {
    const note = config.unsupportedNote(def.name);
    if (note !== null) notes.push(note);
  }
  return notes;
}

/**
 * The directives that are not settings (include, rename-command, user, loadmodule, module
 * options, sentinel). Returns Redis's error text for a line it would refuse, or null.
 */
function directive(config: Config, name: string, words: readonly string[], notes: StartupNote[], include: (file: string) => void): string | null {
  const argc = words.length;
  if (DEPRECATED.has(name) && argc === 2) return null;
  if (name === 'include' && argc === 2) {
    include(words[1]!);
    return null;
  }
  if (name === 'rename-command' && argc === 3) {
    // Applied once the server and its command table exist (startServer).
    config.renamedCommands.push([words[1]!, words[2]!]);
    return null;
  }
  if (name === 'user' && argc >= 2) {
    // Applied once the server and its command table exist (AccessControl.loadAtStartup).
    config.userLines.push(words.slice(1));
    return null;
  }
  if (name === 'loadmodule' && argc >= 2) {
    notes.push({ level: 'warning', message: `Modules cannot be loaded into Mnemo: loadmodule '${words[1]}' is ignored.` });
    return null;
  }
  if (name.includes('.')) {
    if (argc < 2) return 'Module config specified without value';
    notes.push({ level: 'warning', message: `Module config '${name}' is ignored: Mnemo loads no modules.` });
    return null;
  }
  if (name === 'sentinel') return argc === 1 ? null : 'sentinel directive while not in sentinel mode';
  return 'Bad directive or wrong number of arguments';
}
