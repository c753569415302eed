// A RESP2/RESP3 decoder for tests: turns reply bytes into plain values to assert on.

export class ReplyError extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

/** A RESP3 verbatim string, kept apart from plain strings so tests can tell them apart. */
export class Verbatim {
  constructor(
    readonly format: string,
    readonly text: string,
  ) {}
}

export type Reply = string | number | bigint | boolean | null | ReplyError | Verbatim | Reply[] | Map<Reply, Reply> | Set<Reply>;

/** Decodes every reply in `data`; bulk strings become strings in `encoding`. */
export function decodeAll(data: Buffer, encoding: BufferEncoding = 'utf8'): Reply[] {
  const out: Reply[] = [];
  let pos = 0;
  const line = (): string => {
    const end = data.indexOf('\r\n', pos);
    if (end < 0) throw new Error(`incomplete reply: ${JSON.stringify(data.toString('latin1'))}`);
    const text = data.toString('latin1', pos, end);
    pos = end + 2;
    return text;
  };
  const one = (): Reply => {
    const type = String.fromCharCode(data[pos++]!);
    const text = line();
    switch (type) {
      case '+':
        return text;
      case '-':
        return new ReplyError(text);
      case ':': {
        const n = Number(text);
        return Number.isSafeInteger(n) ? n : BigInt(text);
      }
      case '$':
      case '=': {
        const len = Number(text);
        if (len < 0) return null;
        const body = data.toString(encoding, pos, pos + len);
        pos += len + 2;
        return type === '=' ? new Verbatim(body.slice(0, 3), body.slice(4)) : body;
      }
      case '*':
      case '~':
      case '>': {
        const len = Number(text);
        if (len < 0) return null;
        const items = Array.from({ length: len }, one);
        return type === '~' ? new Set(items) : items;
      }
      case '%': {
        const map = new Map<Reply, Reply>();
        for (let i = Number(text); i > 0; i--) map.set(one(), one());
        return map;
      }
      case '_':
        return null;
      case ',':
        return text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
      case '#':
        return text === 't';
      case '(':
        return BigInt(text);
      default:
        throw new Error(`unknown reply type ${JSON.stringify(type)}`);
    }
  };
  while (pos < data.length) out.push(one());
  return out;
}
