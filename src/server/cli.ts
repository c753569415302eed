// mnemo-server: the command-line entry, taking redis-server's arguments.

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Config } from './config.ts';
import { startServer, type RunningServer } from './run.ts';
import { StartupError, applyLines, linesFromArgs, type StartupLine } from './startup.ts';
import { MNEMO_VERSION } from '../version.ts';
import { requestShutdown } from './shutdown.ts';
import { keepYoungGenerationSmall } from './young-generation.ts';

/** Set in the environment of the process a daemonizing parent starts. */
const DAEMON_CHILD = 'MNEMO_DAEMON_CHILD';

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-v')) {
  console.log(`Mnemo server v=${MNEMO_VERSION}`);
  process.exit(0);
}
if (args.includes('--help') || args.includes('-h')) {
  console.log('Usage: mnemo-server [/path/to/redis.conf] [--option value ...]\n       mnemo-server --port 6380 --requirepass secret');
  process.exit(0);
}

function fail(error: unknown): never {
  if (error instanceof StartupError) console.error(error.message);
  else console.error(`Mnemo failed to start: ${(error as Error).message}`);
  process.exit(1);
}

let lines: StartupLine[];
let daemonize: boolean;
try {
  lines = linesFromArgs(args);
  // Read once here so that a bad file fails in the terminal, before any daemon starts.
  const config = new Config();
  applyLines(config, lines, MNEMO_VERSION);
  daemonize = config.bool('daemonize');
} catch (error) {
  fail(error);
}

if (daemonize && process.env[DAEMON_CHILD] === undefined) {
  // Node cannot fork, so the daemon is this program started again, detached in a session of
  // its own; this parent returns once the daemon listens, as a service manager expects.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    detached: true,
    // Like Redis's daemon, it keeps no terminal: what it says goes to its log file.
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, [DAEMON_CHILD]: '1' },
  });
  child.once('message', () => process.exit(0));
  child.once('exit', (code) => {
    console.error(`Mnemo daemon exited during start-up (status ${code}); see its log.`);
    process.exit(1);
  });
} else {
  // Absolute, as Redis keeps it: the server changes to `dir` before CONFIG REWRITE needs it.
  const configFile = args.length > 0 && !args[0]!.startsWith('--') && args[0] !== '-' ? resolve(args[0]!) : undefined;
  const daemon = process.env[DAEMON_CHILD] !== undefined;
  let running: RunningServer | null = null;
  let stopping = false;
  /** A signal that arrived before the server was up: acted on once it is. */
  let early: 'SIGINT' | 'SIGTERM' | null = null;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (running === null) {
      early ??= signal;
      return;
    }
    const { server } = running;
    // A second Ctrl-C means "now", as in Redis.
    if (stopping && signal === 'SIGINT') {
      server.log.warning('You insist... exiting now.');
      process.exit(1);
    }
    if (stopping) return;
    stopping = true;
    server.log.warning(`Received ${signal} scheduling shutdown...`);
    const flags = server.config.get(signal === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm').split(' ');
    if (!requestShutdown(server, flags)) {
      stopping = false;
      server.log.warning(`${signal} received but errors trying to shut down the server, check the logs for more information`);
    }
  };
  // Installed before the server says it is ready: a signal sent on that line must find them.
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  keepYoungGenerationSmall();
  try {
    running = await startServer({
      lines,
      log: true,
      process: true,
      daemon,
      onExit: () => process.exit(0),
      ...(configFile ? { configFile } : {}),
    });
  } catch (error) {
    fail(error);
  }
  if (daemon) {
    process.send?.('ready');
    process.disconnect?.();
  }
  if (early !== null) onSignal(early);
}
