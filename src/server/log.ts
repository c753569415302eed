// The server log in redis-server's format, because operators' alerts, scripts and test
// harnesses grep it: "pid:role dd Mon yyyy hh:mm:ss.mmm <level> message", with the level as
// Redis marks it (. debug, - verbose, * notice, # warning). Settings as in Redis: loglevel,
// logfile (empty: stdout; the file is opened per line, so a rotated log is picked up), and
// syslog-enabled/-ident/-facility.

import { appendFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import type { Config } from './config.ts';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';

const LEVELS: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const LEVEL_MARKS = '.-*#';
/** syslog severities for debug, verbose (info), notice, warning. */
const SYSLOG_SEVERITIES = [7, 6, 5, 4];
const SYSLOG_FACILITIES: Record<string, number> = {
  user: 1,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "07 Dec 2026 17:47:27.027" in local time, as Redis stamps its lines. */
export function logTimestamp(date: Date): string {
  return (
    `${pad(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
  );
}

export interface LoggerOptions {
  /** Where syslog listens; a stream socket (Node has no unix datagram sockets). */
  syslogPath?: string;
  /** Drops lines meant for stdout (a daemon has no terminal). */
  detached?: boolean;
}

export class Logger {
  /** Off until the server starts logging (an embedded server stays quiet). */
  private enabled = false;
  private threshold = LEVELS.notice;
  private syslog: net.Socket | null = null;
  private options: LoggerOptions = {};

  constructor(private readonly config: Config) {
    this.threshold = LEVELS[config.get('loglevel') as LogLevel];
    config.onChange((name, value) => {
      if (name === 'loglevel') this.threshold = LEVELS[value as LogLevel];
    });
  }

  /** Starts writing lines (and connects to syslog when syslog-enabled is set). */
  enable(options: LoggerOptions = {}): void {
    this.enabled = true;
    this.options = options;
    // A server whose terminal or log pipe went away keeps serving, as redis-server (which
    // ignores SIGPIPE) does; its log lines are lost.
    if (this.config.get('logfile') === '') process.stdout.on('error', () => {});
    if (this.config.bool('syslog-enabled')) this.openSyslog();
  }

  debug(message: string): void {
    this.write(LEVELS.debug, message);
  }

  verbose(message: string): void {
    this.write(LEVELS.verbose, message);
  }

  notice(message: string): void {
    this.write(LEVELS.notice, message);
  }

  warning(message: string): void {
    this.write(LEVELS.warning, message);
  }

  log(level: LogLevel, message: string): void {
    this.write(LEVELS[level], message);
  }

  /** Text written as is, without the line prefix (the logo), when `level` passes loglevel. */
  raw(level: LogLevel, text: string): void {
    if (this.enabled && LEVELS[level] >= this.threshold) this.output(text);
  }

  close(): void {
    this.syslog?.end();
    this.syslog = null;
  }

  /** M for a primary, S for a replica (the role letters of Redis's log). */
  private role(): string {
    return this.config.get('replicaof') === '' ? 'M' : 'S';
  }

  private write(level: number, message: string): void {
    if (!this.enabled || level < this.threshold) return;
    this.output(`${process.pid}:${this.role()} ${logTimestamp(new Date())} ${LEVEL_MARKS[level]} ${message}\n`);
    if (this.syslog !== null) this.sendSyslog(level, message);
  }

  private output(text: string): void {
    const file = this.config.get('logfile');
    if (file === '') {
      if (!this.options.detached) process.stdout.write(text);
      return;
    }
    try {
      appendFileSync(file, text);
    } catch {
      // As Redis: a log file that cannot be opened loses the line, the server carries on.
    }
  }

  private openSyslog(): void {
    const path = this.options.syslogPath ?? '/dev/log';
    if (!existsSync(path)) {
      this.warning(`syslog-enabled is set but there is no syslog socket at ${path}: logging to syslog is off.`);
      return;
    }
    const socket = net.connect(path);
    socket.unref();
    socket.on('error', (error) => {
      this.syslog = null;
      socket.destroy();
      this.warning(`Cannot log to syslog at ${path} (${(error as NodeJS.ErrnoException).code ?? error.message}): logging to syslog is off.`);
    });
    this.syslog = socket;
  }

  /** RFC 3164 line: "<priority>Mon dd hh:mm:ss ident[pid]: message". */
  private sendSyslog(level: number, message: string): void {
    const facility = SYSLOG_FACILITIES[this.config.get('syslog-facility')]!;
    const now = new Date();
    const stamp = `${MONTHS[now.getMonth()]} ${String(now.getDate()).padStart(2, ' ')} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
    const priority = facility * 8 + SYSLOG_SEVERITIES[level]!;
    this.syslog!.write(`<${priority}>${stamp} ${this.config.get('syslog-ident')}[${process.pid}]: ${message}\n`);
  }
}
