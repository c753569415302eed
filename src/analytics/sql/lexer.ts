// Splits a statement into tokens. Unquoted identifiers and keywords fold to lower case, as in
// PostgreSQL; every token keeps its offset so errors can point at it.

import { SqlError, syntaxError } from './errors.ts';

export type TokenKind = 'ident' | 'qident' | 'number' | 'string' | 'param' | 'op' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** Folded identifier, literal text (quotes removed), or the operator itself. */
  readonly text: string;
  /** 0-based offset in the statement. */
  readonly at: number;
  /** The token as written (for error messages). */
  readonly raw: string;
}

const OPERATOR_CHARS = '+-*/<>=~!@#%^&|`?';

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, text: string, at: number) => tokens.push({ kind, text, at, raw: sql.slice(at, i) });
  while (i < n) {
    const ch = sql[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f') {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new SqlError('42601', 'unterminated /* comment', i + 1);
      i = close + 2;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch)) {
      const start = i;
      if ((ch === 'E' || ch === 'e') && sql[i + 1] === "'") {
        const literal = readString(sql, start, true);
        i = literal.end;
        push('string', literal.text, start);
        continue;
      }
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i]!)) i++;
      push('ident', sql.slice(start, i).toLowerCase(), start);
    } else if (ch === '"') {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= n) throw new SqlError('42601', 'unterminated quoted identifier', start + 1);
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') {
            text += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += sql[i++];
      }
      if (text === '') throw new SqlError('42601', 'zero-length delimited identifier', start + 1);
      push('qident', text, start);
    } else if (ch === "'") {
      const start = i;
      const literal = readString(sql, start, false);
      i = literal.end;
      push('string', literal.text, start);
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const start = i;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      if (sql[i] === '.' && sql[i + 1] !== '.') {
        i++;
        while (i < n && /[0-9]/.test(sql[i]!)) i++;
      }
      if ((sql[i] === 'e' || sql[i] === 'E') && /[0-9+-]/.test(sql[i + 1] ?? '')) {
        const save = i;
        i++;
        if (sql[i] === '+' || sql[i] === '-') i++;
        if (!/[0-9]/.test(sql[i] ?? '')) i = save;
        else while (i < n && /[0-9]/.test(sql[i]!)) i++;
      }
      if (/[A-Za-z_]/.test(sql[i] ?? '')) {
        const end = i;
        while (i < n && /[A-Za-z0-9_]/.test(sql[i]!)) i++;
        throw new SqlError('42601', `trailing junk after numeric literal at or near "${sql.slice(start, i)}"`, end + 1);
      }
      push('number', sql.slice(start, i), start);
    } else if (ch === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      const start = i;
      i++;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      push('param', sql.slice(start + 1, i), start);
    } else if (ch === ':' && sql[i + 1] === ':') {
      i += 2;
      push('op', '::', i - 2);
    } else if ('(),;.[]:'.includes(ch)) {
      i++;
      push('op', ch, i - 1);
    } else if (OPERATOR_CHARS.includes(ch)) {
      const start = i;
      while (i < n && OPERATOR_CHARS.includes(sql[i]!) && !(sql[i] === '-' && sql[i + 1] === '-') && !(sql[i] === '/' && sql[i + 1] === '*')) i++;
      // As in PostgreSQL, a multi-character operator cannot end in + or - unless it holds one of ~!@#%^&|`?
      let op = sql.slice(start, i);
      while (op.length > 1 && (op.endsWith('+') || op.endsWith('-')) && !/[~!@#%^&|`?]/.test(op)) {
        op = op.slice(0, -1);
        i--;
      }
      push('op', op === '!=' ? '<>' : op, start);
    } else {
      i++;
      throw syntaxError(ch, i);
    }
  }
  tokens.push({ kind: 'end', text: '', at: n, raw: '' });
  return tokens;
}

/** Reads a quoted string starting at `start` ('...' with '' for a quote; E'' adds backslash escapes). */
function readString(sql: string, start: number, escapes: boolean): { text: string; end: number } {
  let i = start + (escapes ? 2 : 1);
  let text = '';
  for (;;) {
    if (i >= sql.length) throw new SqlError('42601', 'unterminated quoted string at or near "' + sql.slice(start) + '"', start + 1);
    const ch = sql[i]!;
    if (ch === "'") {
      if (sql[i + 1] === "'") {
        text += "'";
        i += 2;
        continue;
      }
      i++;
      break;
    }
    if (escapes && ch === '\\' && i + 1 < sql.length) {
      const next = sql[i + 1]!;
      text += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next === 'b' ? '\b' : next === 'f' ? '\f' : next;
      i += 2;
      continue;
    }
    text += ch;
    i++;
  }
  return { text, end: i };
}
