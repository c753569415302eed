// MONITOR's line format: `<unix>.<usec> [<db> <origin>] "arg" ...`, each argument quoted as
// Redis's sdscatrepr quotes it.

const ESCAPES: Record<number, string> = { 0x5c: '\\\\', 0x22: '\\"', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x07: '\\a', 0x08: '\\b' };

/** Bytes quoted as Redis's sdscatrepr: printable ASCII as is, the rest escaped. */
export function quoteRepr(bytes: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const escape = ESCAPES[byte];
    if (escape !== undefined) out += escape;
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += '\\x' + byte.toString(16).padStart(2, '0');
  }
  return out + '"';
}

export function monitorLine(unixMs: number, db: number, origin: string, argv: readonly Uint8Array[]): string {
  const seconds = Math.floor(unixMs / 1000);
  const usec = Math.min(999_999, Math.floor((unixMs - seconds * 1000) * 1000));
  let line = `${seconds}.${String(usec).padStart(6, '0')} [${db} ${origin}]`;
  for (const arg of argv) line += ' ' + quoteRepr(arg);
  return line;
}
