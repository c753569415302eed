// mnemo-server: the command-line entry, taking redis-server's arguments.

import { startServer } from './run.ts';
import { StartupError, linesFromArgs } from './startup.ts';
import { MNEMO_VERSION } from '../version.ts';

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-v')) {
  console.log(`Mnemo server v=${MNEMO_VERSION}`);
  process.exit(0);
}
if (args.includes('--help') || args.includes('-h')) {
  console.log('Usage: mnemo-server [/path/to/redis.conf] [--option value ...]\n       mnemo-server --port 6380 --requirepass secret');
  process.exit(0);
}

try {
  const configFile = args.length > 0 && !args[0]!.startsWith('--') && args[0] !== '-' ? args[0] : undefined;
  const running = await startServer({ lines: linesFromArgs(args), log: true, ...(configFile ? { configFile } : {}) });
  const stop = async (signal: string) => {
    console.log(`Received ${signal}, scheduling shutdown...`);
    await running.close();
    console.log('Mnemo is now ready to exit, bye bye...');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  if (error instanceof StartupError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
