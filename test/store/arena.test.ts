import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Arena, MAX_CLASS_BYTES } from '../../src/store/arena.ts';

test('a freed record is reused by the next allocation of its size class', () => {
  const arena = new Arena();
  const a = arena.alloc(20);
  const other = arena.alloc(40);
  arena.free(a, 20);
  assert.equal(arena.alloc(24), a);
  assert.notEqual(arena.alloc(17), other);
});

test('fitsInPlace holds only within one size class', () => {
  assert.equal(Arena.fitsInPlace(17, 24), true);
  assert.equal(Arena.fitsInPlace(24, 17), true);
  assert.equal(Arena.fitsInPlace(24, 25), false);
  assert.equal(Arena.fitsInPlace(MAX_CLASS_BYTES, MAX_CLASS_BYTES - 3), true);
  assert.equal(Arena.fitsInPlace(MAX_CLASS_BYTES, MAX_CLASS_BYTES + 1), false);
  assert.equal(Arena.fitsInPlace(MAX_CLASS_BYTES + 8, MAX_CLASS_BYTES + 8), false);
});

test('a record past the largest class gets its own chunk, released and its slot reused on free', () => {
  const arena = new Arena();
  arena.alloc(100);
  const reserved = arena.reservedBytes;
  const big = arena.alloc(MAX_CLASS_BYTES + 1);
  assert.equal(Arena.offsetOf(big), 0);
  assert.ok(arena.chunkOf(big).length >= MAX_CLASS_BYTES + 1);
  assert.equal(arena.reservedBytes, reserved + MAX_CLASS_BYTES + 8);
  arena.free(big, MAX_CLASS_BYTES + 1);
  assert.equal(arena.reservedBytes, reserved);
  assert.equal(arena.alloc(200_000), big);
});

test('live records never overlap and usedBytes returns to zero once all are freed', () => {
  const size = fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: MAX_CLASS_BYTES - 16, max: MAX_CLASS_BYTES + 4000 }));
  const step = fc.record({ alloc: fc.boolean(), size, pick: fc.nat() });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
      const arena = new Arena();
      const live: { ref: number; bytes: number; fill: number }[] = [];
      let fill = 0;
      const intact = (r: (typeof live)[number]) => {
        const at = Arena.offsetOf(r.ref);
        return arena.chunkOf(r.ref).subarray(at, at + r.bytes).every((b) => b === r.fill);
      };
      for (const s of steps) {
        if (s.alloc || live.length === 0) {
          const ref = arena.alloc(s.size);
          fill = (fill % 255) + 1;
          const at = Arena.offsetOf(ref);
          arena.chunkOf(ref).fill(fill, at, at + s.size);
          live.push({ ref, bytes: s.size, fill });
        } else {
          const [r] = live.splice(s.pick % live.length, 1);
          assert.ok(intact(r!));
          arena.free(r!.ref, r!.bytes);
        }
      }
      for (const r of live) {
        assert.ok(intact(r));
        arena.free(r.ref, r.bytes);
      }
      assert.equal(arena.usedBytes, 0);
    }),
    { numRuns: 30 },
  );
});
