// Buffer views of bytes already in memory, made without Buffer.from's argument checks. The
// parsers make one for every argument of every request, and those checks cost as much as the
// view itself. A view is a Uint8Array whose prototype chain runs through Buffer.prototype, which
// is exactly what Node's own (internal) FastBuffer is, so every Buffer method works on it.

class BufferView extends Uint8Array {}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype);

/** source[start, end) as a Buffer sharing source's memory. */
export function bufferView(source: Uint8Array, start: number, end: number): Buffer {
  return new BufferView(source.buffer as ArrayBuffer, source.byteOffset + start, end - start) as unknown as Buffer;
}
