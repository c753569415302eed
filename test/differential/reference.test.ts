import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { skipWithout, spawnReference, startRedisReference } from '../helpers/reference.ts';
import { WireConnection } from '../helpers/wire.ts';

const MISSING = 'mnemo-no-such-reference-binary';

function withRequireReference<T>(value: string | undefined, body: () => T): T {
  const saved = process.env.MNEMO_REQUIRE_REFERENCE;
  if (value === undefined) delete process.env.MNEMO_REQUIRE_REFERENCE;
  else process.env.MNEMO_REQUIRE_REFERENCE = value;
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env.MNEMO_REQUIRE_REFERENCE;
    else process.env.MNEMO_REQUIRE_REFERENCE = saved;
  }
}

test('a missing reference binary skips its tests with a reason, unless CI requires it', () => {
  const reason = withRequireReference(undefined, () => skipWithout(MISSING));
  assert.match(String(reason), new RegExp(`${MISSING} is not installed`));
  assert.equal(
    withRequireReference('1', () => skipWithout(MISSING)),
    false,
  );
});

test('starting a missing reference binary fails with its name', async () => {
  await assert.rejects(
    spawnReference(MISSING, () => []),
    new RegExp(MISSING),
  );
});

test('a reference redis-server answers on its port and frees it when closed', { skip: skipWithout('redis-server') }, async () => {
  const reference = await startRedisReference();
  const conn = await WireConnection.connect(reference.port);
  assert.equal((await conn.command(['PING']))?.toString(), '+PONG\r\n');
  conn.close();
  await reference.close();
  const refused = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ port: reference.port, host: reference.host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
  assert.equal(refused, true);
});
