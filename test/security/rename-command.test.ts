// rename-command in the config file: the command answers to its new name only, or to none.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startServer } from '../../src/server/run.ts';

test('a renamed command answers to its new name only, and a removed one to none', async () => {
  const lines = ['rename-command FLUSHALL ""', 'rename-command CONFIG admin-config'].map((text, i) => ({ text, lineNumber: i + 1 }));
  const running = await startServer({ port: 0, host: '127.0.0.1', lines });
  const redis = new Redis({ port: running.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await assert.rejects(redis.call('FLUSHALL'), /ERR unknown command 'FLUSHALL', with args beginning with: /);
    await assert.rejects(redis.call('CONFIG', 'GET', 'port'), /ERR unknown command 'CONFIG'/);
    assert.deepEqual(await redis.call('ADMIN-CONFIG', 'GET', 'maxclients'), ['maxclients', '10000']);
    // Errors still name the command by its own name, as Redis's do.
    await assert.rejects(redis.call('admin-config', 'nosuch'), /ERR unknown subcommand 'nosuch'. Try CONFIG HELP./);
  } finally {
    redis.disconnect();
    await running.close();
  }
});

test('renaming a command that does not exist, or onto a name taken, stops start-up', async () => {
  await assert.rejects(startServer({ port: 0, lines: [{ text: 'rename-command nosuch x', lineNumber: 1 }] }), /No such command in rename-command/);
  await assert.rejects(startServer({ port: 0, lines: [{ text: 'rename-command get set', lineNumber: 1 }] }), /Target command name already exists/);
});
