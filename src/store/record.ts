// The layout of a key's record in the arena: a header, the key, then the value (the inline
// string's bytes, or a 4-byte handle to an object at the next 4-byte boundary). Most keys are
// short, so the header is a single int32:
//   short key: keyLength (bits 0-15) | value field (bits 16-30), bit 31 clear
//   long key:  value field (bits 16-30) | bit 31 set, then keyLength in the next int32
// The value field is the inline value's length, or EXTERNAL_FIELD for a handle.

/** The value length of a record whose value is a handle into the objects table. */
export const EXTERNAL = -1;
const EXTERNAL_FIELD = 0x7fff;
/**
 * The value length of a record whose value lives on disk (src/tiering): in the handle's place,
 * the cold tier's id for it.
 */
export const COLD = -2;
const COLD_FIELD = 0x7ffe;
/** Inline values must be shorter than the value field's markers. */
export const MAX_INLINE_FIELD = COLD_FIELD - 1;
const SHORT_KEY_MAX = 0xffff;
const LONG_KEY = 1 << 31;
const VALUE_BITS = EXTERNAL_FIELD << 16;

export function headerBytes(keyLength: number): number {
  return keyLength > SHORT_KEY_MAX ? 8 : 4;
}

/** Bytes a record for this key length and value length (or EXTERNAL) needs. */
export function recordBytes(keyLength: number, valueLength: number): number {
  const keyEnd = headerBytes(keyLength) + keyLength;
  return valueLength < 0 ? ((keyEnd + 3) & ~3) + 4 : keyEnd + valueLength;
}

/** Bytes the record at word `w` of `words` occupies. */
export function recordBytesAt(words: Int32Array, w: number): number {
  return recordBytes(keyLength(words, w), valueLength(words, w));
}

export function writeHeader(words: Int32Array, w: number, keyLength: number, valueLength: number): void {
  if (keyLength > SHORT_KEY_MAX) {
    words[w] = LONG_KEY | valueField(valueLength);
    words[w + 1] = keyLength;
  } else {
    words[w] = valueField(valueLength) | keyLength;
  }
}

export function setValueLength(words: Int32Array, w: number, valueLength: number): void {
  words[w] = (words[w]! & ~VALUE_BITS) | valueField(valueLength);
}

export function keyLength(words: Int32Array, w: number): number {
  const header = words[w]!;
  return header < 0 ? words[w + 1]! : header & SHORT_KEY_MAX;
}

/** The inline value's length, or EXTERNAL, or COLD. */
export function valueLength(words: Int32Array, w: number): number {
  const field = (words[w]! & VALUE_BITS) >>> 16;
  return field === EXTERNAL_FIELD ? EXTERNAL : field === COLD_FIELD ? COLD : field;
}

/** Byte offset of the key from the start of the record. */
export function keyOffset(words: Int32Array, w: number): number {
  return words[w]! < 0 ? 8 : 4;
}

/** Word index of an external value's handle (or a cold value's id). */
export function handleWord(words: Int32Array, w: number): number {
  return w + ((keyOffset(words, w) + keyLength(words, w) + 3) >>> 2);
}

function valueField(valueLength: number): number {
  return (valueLength === EXTERNAL ? EXTERNAL_FIELD : valueLength === COLD ? COLD_FIELD : valueLength) << 16;
}
