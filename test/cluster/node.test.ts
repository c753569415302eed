// A node's served slots as ranges (CLUSTER NODES, nodes.conf): the byte-skipping walk gives
// the same ranges as looking at every slot, for random layouts of runs and single slots.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterNode } from '../../src/cluster/node.ts';
import { SLOT_COUNT } from '../../src/store/slots.ts';

function rangesSlotBySlot(node: ClusterNode): [number, number][] {
  const ranges: [number, number][] = [];
  let start = -1;
  for (let slot = 0; slot <= SLOT_COUNT; slot++) {
    const owned = slot < SLOT_COUNT && node.ownsSlot(slot);
    if (owned && start < 0) start = slot;
    else if (!owned && start >= 0) {
      ranges.push([start, slot - 1]);
      start = -1;
    }
  }
  return ranges;
}

test('slot ranges equal a slot-by-slot walk for random layouts, including the first and last slot', () => {
  let seed = 7;
  const random = (below: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % below);
  for (let round = 0; round < 500; round++) {
    const node = new ClusterNode('a'.repeat(40), 0, 0);
    if (round % 10 === 0) node.setSlotBit(0);
    if (round % 10 === 1) node.setSlotBit(SLOT_COUNT - 1);
    for (let run = random(30); run > 0; run--) {
      const from = random(SLOT_COUNT);
      const length = run % 3 === 0 ? random(5) + 1 : random(3000) + 1;
      for (let slot = from; slot < Math.min(SLOT_COUNT, from + length); slot++) node.setSlotBit(slot);
    }
    assert.deepEqual(node.slotRanges(), rangesSlotBySlot(node), `round ${round}`);
  }
  const full = new ClusterNode('b'.repeat(40), 0, 0);
  for (let slot = 0; slot < SLOT_COUNT; slot++) full.setSlotBit(slot);
  assert.deepEqual(full.slotRanges(), [[0, SLOT_COUNT - 1]]);
  assert.deepEqual(new ClusterNode('c'.repeat(40), 0, 0).slotRanges(), []);
});
