// A hand-written recursive-descent parser for Mnemo's PostgreSQL-flavoured SQL. Operator
// precedence follows PostgreSQL's table (:: binds tightest, then unary minus, * / %, + -, other
// operators such as ||, BETWEEN/IN/LIKE, comparisons, IS, NOT, AND, OR). Syntax errors name the
// token PostgreSQL would name and its position.

import {
  node,
  type ColumnSpec,
  type CopyOptions,
  type Expr,
  type ForeignSource,
  type FrameBound,
  type FromItem,
  type NamedWindow,
  type OrderItem,
  type Query,
  type Select,
  type SelectItem,
  type Statement,
  type WindowFrame,
  type WindowSpec,
} from './ast.ts';
import { SqlError, syntaxError } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';

/** Keywords that end an expression or list, so they cannot be an alias written without AS. */
const RESERVED = new Set([
  'all', 'and', 'any', 'as', 'asc', 'between', 'by', 'case', 'cast', 'cross', 'desc', 'distinct', 'else', 'end', 'except',
  'false', 'fetch', 'from', 'full', 'group', 'having', 'ilike', 'in', 'inner', 'intersect', 'into', 'is', 'isnull', 'join',
  'left', 'like', 'limit', 'not', 'notnull', 'null', 'nulls', 'offset', 'on', 'or', 'order', 'outer', 'returning', 'right',
  'select', 'set', 'then', 'true', 'union', 'using', 'values', 'when', 'where', 'with', 'window',
]);

const COMPARISONS = new Set(['=', '<>', '<', '>', '<=', '>=']);

export function parse(sql: string): Statement[] {
  return new Parser(sql).statements();
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(sql: string) {
    this.tokens = tokenize(sql);
  }

  statements(): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      while (this.acceptOp(';'));
      if (this.peek().kind === 'end') return out;
      out.push(this.statement());
      if (this.peek().kind !== 'end' && !this.isOp(';')) throw this.unexpected();
    }
  }

  // ---- token helpers ----

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.pos++;
    return token;
  }
  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text === word;
  }
  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.pos++;
    return true;
  }
  private expectWord(word: string): void {
    if (!this.acceptWord(word)) throw this.unexpected();
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === op;
  }
  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.pos++;
    return true;
  }
  private expectOp(op: string): void {
    if (!this.acceptOp(op)) throw this.unexpected();
  }
  private unexpected(token: Token = this.peek()): SqlError {
    return syntaxError(token.kind === 'end' ? null : token.raw, token.at + 1);
  }
  /** An identifier (a keyword in RESERVED only when quoted). */
  private identifier(): string {
    const t = this.peek();
    if (t.kind === 'qident' || (t.kind === 'ident' && !RESERVED.has(t.text))) {
      this.pos++;
      return t.text;
    }
    throw this.unexpected();
  }

  // ---- statements ----

  private statement(): Statement {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '(') return this.query();
    if (t.kind !== 'ident') throw this.unexpected();
    switch (t.text) {
      case 'select':
      case 'with':
        return this.query();
      case 'create':
        return this.createTable();
      case 'drop':
        return this.dropTable();
      case 'alter':
        return this.alterTable();
      case 'insert':
        return this.insert();
      case 'update':
        return this.update();
      case 'delete':
        return this.delete();
      case 'copy':
        return this.copy();
      case 'truncate': {
        this.next();
        this.acceptWord('table');
        const names = [this.identifier()];
        while (this.acceptOp(',')) names.push(this.identifier());
        return node({ kind: 'Truncate', names });
      }
      case 'explain': {
        this.next();
        if (!this.isWord('select') && !this.isWord('with') && !this.isOp('(')) throw this.unexpected();
        return node({ kind: 'Explain', statement: this.query() });
      }
      case 'begin':
      case 'start':
      case 'commit':
      case 'end':
      case 'rollback': {
        this.next();
        if (t.text === 'start') this.expectWord('transaction');
        else this.acceptWord('transaction') || this.acceptWord('work');
        const action = t.text === 'begin' || t.text === 'start' ? 'BEGIN' : t.text === 'rollback' ? 'ROLLBACK' : 'COMMIT';
        return node({ kind: 'Transaction', action });
      }
      case 'set': {
        this.next();
        this.acceptWord('session') || this.acceptWord('local');
        const name = this.dottedName();
        if (!this.acceptWord('to') && !this.acceptOp('=')) throw this.unexpected();
        const parts: string[] = [];
        while (this.peek().kind !== 'end' && !this.isOp(';')) parts.push(this.next().text);
        return node({ kind: 'SetVariable', name, value: parts.join(' ') });
      }
      case 'show': {
        this.next();
        const name = this.acceptWord('all') ? 'all' : this.dottedName();
        return node({ kind: 'Show', name });
      }
      default:
        throw this.unexpected();
    }
  }

  /**
   * COPY name [(columns)] FROM STDIN | COPY name [(columns)] | (query) TO STDOUT, then options
   * as WITH (FORMAT csv, HEADER, ...) or in the older bare form (CSV HEADER DELIMITER ',').
   */
  private copy(): Statement {
    this.expectWord('copy');
    let table: string | null = null;
    let query: Query | null = null;
    let columns: string[] | null = null;
    if (this.acceptOp('(')) {
      query = this.query();
      this.expectOp(')');
    } else {
      table = this.identifier();
      if (this.isOp('(')) columns = this.nameList();
    }
    const direction = this.acceptWord('from') ? 'from' : (this.expectWord('to'), 'to');
    if (query !== null && direction === 'from') throw this.unexpected();
    const target = this.peek();
    if (!this.acceptWord(direction === 'from' ? 'stdin' : 'stdout')) {
      if (target.kind === 'string' || this.isWord('program')) {
        throw new SqlError('0A000', `COPY ${direction === 'from' ? 'from' : 'to'} a file is not supported: use ${direction === 'from' ? 'STDIN' : 'STDOUT'} (psql's \copy)`, target.at + 1);
      }
      throw this.unexpected();
    }
    const options: Record<string, string | boolean> = {};
    const setOption = (name: string, at: number, value: string | boolean) => {
      if (name in options) throw new SqlError('42601', 'conflicting or redundant options', at + 1);
      options[name] = value;
    };
    const optionValue = (): string => {
      const t = this.next();
      if (t.kind !== 'string' && t.kind !== 'ident' && t.kind !== 'number') throw this.unexpected(t);
      return t.text;
    };
    const acceptsValue = () => this.peek().kind === 'string' || this.peek().kind === 'number' || (this.peek().kind === 'ident' && !this.isOp(','));
    this.acceptWord('with');
    if (this.acceptOp('(')) {
      do {
        const t = this.next();
        if (t.kind !== 'ident') throw this.unexpected(t);
        const bool = t.text === 'header' || t.text === 'freeze';
        setOption(t.text, t.at, bool ? (this.isOp(',') || this.isOp(')') ? true : booleanOption(optionValue())) : optionValue());
      } while (this.acceptOp(','));
      this.expectOp(')');
    } else {
      // PostgreSQL's pre-9.0 form, which psql's \copy passes on as written.
      for (;;) {
        const t = this.peek();
        if (t.kind !== 'ident') break;
        if (t.text === 'binary' || t.text === 'csv' || t.text === 'text') {
          this.next();
          setOption('format', t.at, t.text);
        } else if (t.text === 'header') {
          this.next();
          setOption('header', t.at, true);
        } else if (t.text === 'delimiter' || t.text === 'null' || t.text === 'quote' || t.text === 'escape') {
          this.next();
          this.acceptWord('as');
          if (!acceptsValue()) throw this.unexpected();
          setOption(t.text, t.at, optionValue());
        } else break;
      }
    }
    return node({ kind: 'Copy', table, query, columns, direction, options: copyOptions(options) });
  }

  private dottedName(): string {
    let name = this.next().text;
    while (this.acceptOp('.')) name += `.${this.next().text}`;
    return name;
  }

  private createTable(): Statement {
    this.expectWord('create');
    const foreign = this.acceptWord('foreign');
    this.expectWord('table');
    let ifNotExists = false;
    if (this.acceptWord('if')) {
      this.expectWord('not');
      this.expectWord('exists');
      ifNotExists = true;
    }
    const name = this.identifier();
    this.expectOp('(');
    const columns: ColumnSpec[] = [];
    let primaryKey: string[] = [];
    do {
      if (this.isWord('primary') || this.isWord('constraint')) {
        if (this.acceptWord('constraint')) this.identifier();
        this.expectWord('primary');
        this.expectWord('key');
        this.expectOp('(');
        primaryKey = [this.identifier()];
        while (this.acceptOp(',')) primaryKey.push(this.identifier());
        this.expectOp(')');
        continue;
      }
      columns.push(this.columnSpec(foreign));
    } while (this.acceptOp(','));
    this.expectOp(')');
    return node({ kind: 'CreateTable', name, ifNotExists, columns, primaryKey, foreign: foreign ? this.foreignSource() : null });
  }

  /** FROM HASHES 'pattern' or FROM SERIES 'pattern', after a foreign table's columns. */
  private foreignSource(): ForeignSource {
    this.expectWord('from');
    let kind: ForeignSource['kind'];
    if (this.acceptWord('hashes')) kind = 'hashes';
    else if (this.acceptWord('series')) kind = 'series';
    else throw this.unexpected();
    const pattern = this.next();
    if (pattern.kind !== 'string') throw this.unexpected(pattern);
    return { kind, pattern: pattern.text };
  }

  /**
   * A column definition: name, type, then NOT NULL / NULL / PRIMARY KEY in any order; in a
   * foreign table also KEY, the column that holds the key's name.
   */
  private columnSpec(foreign = false): ColumnSpec {
    const at = this.peek().at;
    const name = this.identifier();
    const typeName = this.typeName();
    let notNull = false;
    let primaryKey = false;
    for (;;) {
      if (this.acceptWord('not')) {
        this.expectWord('null');
        notNull = true;
      } else if (this.acceptWord('null')) {
        notNull = false;
      } else if (this.acceptWord('primary') || (foreign && this.isWord('key'))) {
        this.expectWord('key');
        primaryKey = true;
        notNull = true;
      } else return { name, typeName, notNull, primaryKey, at };
    }
  }

  private alterTable(): Statement {
    this.expectWord('alter');
    this.expectWord('table');
    const table = this.identifier();
    if (!this.isWord('add')) throw new SqlError('0A000', 'only ALTER TABLE ... ADD COLUMN is supported yet', this.peek().at + 1);
    this.next();
    this.acceptWord('column');
    let ifNotExists = false;
    if (this.acceptWord('if')) {
      this.expectWord('not');
      this.expectWord('exists');
      ifNotExists = true;
    }
    return node({ kind: 'AlterTableAddColumn', table, column: this.columnSpec(), ifNotExists });
  }

  /** A type name, multi-word ones joined by one space, with any (n[,m]) modifier dropped. */
  private typeName(): string {
    const first = this.next();
    if (first.kind !== 'ident' && first.kind !== 'qident') throw this.unexpected(first);
    let name = first.text;
    if (name === 'double' && this.acceptWord('precision')) name = 'double precision';
    else if (name === 'character' && this.acceptWord('varying')) name = 'character varying';
    if (this.acceptOp('(')) {
      while (!this.acceptOp(')')) {
        if (this.peek().kind === 'end') throw this.unexpected();
        this.next();
      }
    }
    if (name === 'timestamp' || name === 'time') {
      if (this.isWord('with') || this.isWord('without')) {
        const withZone = this.next().text === 'with';
        this.expectWord('time');
        this.expectWord('zone');
        name = withZone ? `${name} with time zone` : `${name} without time zone`;
      }
    }
    if (this.acceptOp('[')) throw new SqlError('0A000', 'array types are not supported', first.at + 1);
    return name;
  }

  private dropTable(): Statement {
    this.expectWord('drop');
    this.acceptWord('foreign');
    this.expectWord('table');
    let ifExists = false;
    if (this.acceptWord('if')) {
      this.expectWord('exists');
      ifExists = true;
    }
    const names = [this.identifier()];
    while (this.acceptOp(',')) names.push(this.identifier());
    return node({ kind: 'DropTable', names, ifExists });
  }

  private insert(): Statement {
    this.expectWord('insert');
    this.expectWord('into');
    const table = this.identifier();
    let columns: string[] | null = null;
    if (this.isOp('(') && !this.isWord('select', 1)) {
      this.next();
      columns = [this.identifier()];
      while (this.acceptOp(',')) columns.push(this.identifier());
      this.expectOp(')');
    }
    let rows: Expr[][] | null = null;
    let select: Query | null = null;
    if (this.acceptWord('values')) {
      rows = [];
      do {
        this.expectOp('(');
        const row = [this.expr()];
        while (this.acceptOp(',')) row.push(this.expr());
        this.expectOp(')');
        rows.push(row);
      } while (this.acceptOp(','));
    } else if (this.isWord('select') || this.isWord('with') || this.isOp('(')) {
      select = this.query();
    } else throw this.unexpected();
    return node({ kind: 'Insert', table, columns, rows, select, returning: this.returning() });
  }

  private returning(): SelectItem[] | null {
    return this.acceptWord('returning') ? this.selectItems() : null;
  }

  private update(): Statement {
    this.expectWord('update');
    const table = this.identifier();
    this.expectWord('set');
    const sets: { column: string; value: Expr; at: number }[] = [];
    do {
      const at = this.peek().at;
      const column = this.identifier();
      this.expectOp('=');
      sets.push({ column, value: this.expr(), at });
    } while (this.acceptOp(','));
    const where = this.acceptWord('where') ? this.expr() : null;
    return node({ kind: 'Update', table, sets, where, returning: this.returning() });
  }

  private delete(): Statement {
    this.expectWord('delete');
    this.expectWord('from');
    const table = this.identifier();
    const where = this.acceptWord('where') ? this.expr() : null;
    return node({ kind: 'Delete', table, where, returning: this.returning() });
  }

  /** A whole query: WITH, UNION [ALL] of select cores, then ORDER BY / LIMIT / OFFSET. */
  query(): Query {
    if (this.acceptWord('with')) {
      if (this.isWord('recursive')) throw new SqlError('0A000', 'WITH RECURSIVE is not supported yet', this.peek().at + 1);
      const tables: { name: string; columns: string[] | null; query: Query }[] = [];
      do {
        const name = this.identifier();
        const columns = this.isOp('(') ? this.nameList() : null;
        this.expectWord('as');
        this.expectOp('(');
        const query = this.query();
        this.expectOp(')');
        tables.push({ name, columns, query });
      } while (this.acceptOp(','));
      return node({ kind: 'With', tables, body: this.query() });
    }
    let body = this.queryTerm();
    while (this.isWord('union')) {
      const at = this.next().at;
      const all = this.acceptWord('all');
      if (!all) this.acceptWord('distinct');
      body = node({ kind: 'SetOperation', all, left: body, right: this.queryTerm(), orderBy: [], limit: null, offset: null, at });
    }
    if (this.isWord('intersect') || this.isWord('except')) {
      throw new SqlError('0A000', `${this.peek().text.toUpperCase()} is not supported yet`, this.peek().at + 1);
    }
    const tail = this.queryTail();
    if (tail.orderBy.length === 0 && tail.limit === null && tail.offset === null) return body;
    if (body.kind === 'With' || body.orderBy.length > 0 || body.limit !== null || body.offset !== null) {
      throw new SqlError('0A000', 'ORDER BY or LIMIT on a parenthesized query that has its own is not supported yet');
    }
    return node({ ...body, ...tail });
  }

  private queryTerm(): Query {
    if (this.acceptOp('(')) {
      const inner = this.query();
      this.expectOp(')');
      return inner;
    }
    return this.selectCore();
  }

  private nameList(): string[] {
    this.expectOp('(');
    const names = [this.identifier()];
    while (this.acceptOp(',')) names.push(this.identifier());
    this.expectOp(')');
    return names;
  }

  private selectCore(): Select {
    this.expectWord('select');
    let distinct = false;
    if (this.acceptWord('distinct')) {
      distinct = true;
      if (this.isWord('on')) throw new SqlError('0A000', 'SELECT DISTINCT ON is not supported', this.peek().at + 1);
    } else this.acceptWord('all');
    const items = this.selectItems();
    const from = this.acceptWord('from') ? this.fromList() : null;
    const where = this.acceptWord('where') ? this.expr() : null;
    const groupBy: Expr[] = [];
    if (this.acceptWord('group')) {
      this.expectWord('by');
      do groupBy.push(this.expr());
      while (this.acceptOp(','));
    }
    const having = this.acceptWord('having') ? this.expr() : null;
    const windows: NamedWindow[] = [];
    if (this.acceptWord('window')) {
      do {
        const name = this.identifier();
        this.expectWord('as');
        windows.push({ name, spec: this.windowSpec() });
      } while (this.acceptOp(','));
    }
    return node({ kind: 'Select', distinct, items, from, where, groupBy, having, windows, orderBy: [], limit: null, offset: null });
  }

  /** ( [name] [PARTITION BY ...] [ORDER BY ...] [frame] ) */
  private windowSpec(): WindowSpec {
    const at = this.peek().at;
    this.expectOp('(');
    let base: string | null = null;
    const t = this.peek();
    if (t.kind === 'qident' || (t.kind === 'ident' && !['partition', 'order', 'rows', 'range', 'groups'].includes(t.text))) base = this.identifier();
    const partitionBy: Expr[] = [];
    if (this.acceptWord('partition')) {
      this.expectWord('by');
      do partitionBy.push(this.expr());
      while (this.acceptOp(','));
    }
    const orderBy = this.acceptWord('order') ? (this.expectWord('by'), this.orderItems()) : [];
    const frame = this.isWord('rows') || this.isWord('range') || this.isWord('groups') ? this.windowFrame() : null;
    this.expectOp(')');
    return { base, partitionBy, orderBy, frame, at };
  }

  /** ROWS | RANGE | GROUPS, then one bound (the end is CURRENT ROW) or BETWEEN two. */
  private windowFrame(): WindowFrame {
    const at = this.peek().at;
    const mode = this.next().text as WindowFrame['mode'];
    if (this.acceptWord('between')) {
      const start = this.frameBound();
      this.expectWord('and');
      return this.frameExclusion({ mode, start, end: this.frameBound(), at });
    }
    const start = this.frameBound();
    return this.frameExclusion({ mode, start, end: { kind: 'current row', offset: null, at: start.at }, at });
  }

  private frameExclusion(frame: WindowFrame): WindowFrame {
    if (!this.isWord('exclude')) return frame;
    const at = this.next().at;
    if (this.acceptWord('no')) {
      this.expectWord('others');
      return frame;
    }
    throw new SqlError('0A000', 'EXCLUDE in a window frame is not supported yet', at + 1);
  }

  private frameBound(): FrameBound {
    const at = this.peek().at;
    if (this.acceptWord('unbounded')) {
      if (this.acceptWord('preceding')) return { kind: 'unbounded preceding', offset: null, at };
      this.expectWord('following');
      return { kind: 'unbounded following', offset: null, at };
    }
    if (this.isWord('current') && this.isWord('row', 1)) {
      this.pos += 2;
      return { kind: 'current row', offset: null, at };
    }
    const offset = this.expr();
    if (this.acceptWord('preceding')) return { kind: 'preceding', offset, at };
    this.expectWord('following');
    return { kind: 'following', offset, at };
  }

  private orderItems(): OrderItem[] {
    const orderBy: OrderItem[] = [];
    do {
      const expr = this.expr();
      const descending = this.acceptWord('desc') ? true : (this.acceptWord('asc'), false);
      let nullsFirst: boolean | null = null;
      if (this.acceptWord('nulls')) {
        if (this.acceptWord('first')) nullsFirst = true;
        else {
          this.expectWord('last');
          nullsFirst = false;
        }
      }
      orderBy.push({ expr, descending, nullsFirst });
    } while (this.acceptOp(','));
    return orderBy;
  }

  private queryTail(): { orderBy: OrderItem[]; limit: Expr | null; offset: Expr | null } {
    let orderBy: OrderItem[] = [];
    if (this.acceptWord('order')) {
      this.expectWord('by');
      orderBy = this.orderItems();
    }
    let limit: Expr | null = null;
    let offset: Expr | null = null;
    for (let i = 0; i < 2; i++) {
      if (limit === null && this.acceptWord('limit')) limit = this.acceptWord('all') ? null : this.expr();
      else if (offset === null && this.acceptWord('offset')) {
        offset = this.expr();
        this.acceptWord('rows') || this.acceptWord('row');
      }
    }
    return { orderBy, limit, offset };
  }

  private selectItems(): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      const expr = this.expr();
      let alias: string | null = null;
      if (this.acceptWord('as')) {
        const t = this.next();
        if (t.kind !== 'ident' && t.kind !== 'qident') throw this.unexpected(t);
        alias = t.text;
      } else if (this.peek().kind === 'qident' || (this.peek().kind === 'ident' && !RESERVED.has(this.peek().text))) {
        alias = this.next().text;
      }
      items.push({ expr, alias });
    } while (this.acceptOp(','));
    return items;
  }

  private fromList(): FromItem {
    let item = this.joined();
    while (this.acceptOp(',')) item = node({ kind: 'Join', joinType: 'cross', left: item, right: this.joined(), on: null });
    return item;
  }

  private joined(): FromItem {
    let item = this.tableRef();
    for (;;) {
      let joinType: 'inner' | 'left' | 'right' | 'full' | 'cross';
      if (this.acceptWord('join')) joinType = 'inner';
      else if (this.acceptWord('inner')) {
        this.expectWord('join');
        joinType = 'inner';
      } else if (this.isWord('left') || this.isWord('right') || this.isWord('full')) {
        joinType = this.next().text as 'left' | 'right' | 'full';
        this.acceptWord('outer');
        this.expectWord('join');
      } else if (this.acceptWord('cross')) {
        this.expectWord('join');
        joinType = 'cross';
      } else return item;
      const right = this.tableRef();
      let on: Expr | null = null;
      if (joinType !== 'cross') {
        this.expectWord('on');
        on = this.expr();
      }
      item = node({ kind: 'Join', joinType, left: item, right, on });
    }
  }

  private tableRef(): FromItem {
    const at = this.peek().at;
    if (this.acceptOp('(')) {
      const query = this.query();
      this.expectOp(')');
      this.acceptWord('as');
      const t = this.peek();
      if (!(t.kind === 'qident' || (t.kind === 'ident' && !RESERVED.has(t.text)))) {
        throw new SqlError('42601', 'subquery in FROM must have an alias', at + 1);
      }
      const alias = this.identifier();
      const columns = this.isOp('(') ? this.nameList() : null;
      return node({ kind: 'Subquery', query, alias, columns, at });
    }
    const name = this.identifier();
    let alias: string | null = null;
    if (this.acceptWord('as')) alias = this.identifier();
    else if (this.peek().kind === 'qident' || (this.peek().kind === 'ident' && !RESERVED.has(this.peek().text))) alias = this.identifier();
    return node({ kind: 'TableRef', name, alias, at });
  }

  // ---- expressions, loosest binding first ----

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('or')) {
      const at = this.next().at;
      left = node({ kind: 'Binary', op: 'or', left, right: this.and(), at });
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isWord('and')) {
      const at = this.next().at;
      left = node({ kind: 'Binary', op: 'and', left, right: this.not(), at });
    }
    return left;
  }

  private not(): Expr {
    if (this.isWord('not')) {
      const at = this.next().at;
      return node({ kind: 'Unary', op: 'not', operand: this.not(), at });
    }
    return this.is();
  }

  private is(): Expr {
    let left = this.comparison();
    for (;;) {
      if (this.acceptWord('isnull')) left = node({ kind: 'IsNull', operand: left, negated: false });
      else if (this.acceptWord('notnull')) left = node({ kind: 'IsNull', operand: left, negated: true });
      else if (this.isWord('is')) {
        const at = this.next().at;
        const negated = this.acceptWord('not');
        if (this.acceptWord('null')) left = node({ kind: 'IsNull', operand: left, negated });
        else if (this.isWord('true') || this.isWord('false')) {
          // x IS TRUE is x = true treating NULL as false (IS NOT TRUE: its complement).
          const value = this.next().text === 'true';
          const equal: Expr = node({ kind: 'Binary', op: 'is', left, right: node({ kind: 'Literal', value, literal: 'bool', at }), at });
          left = negated ? node({ kind: 'Unary', op: 'not', operand: equal, at }) : equal;
        } else if (this.acceptWord('distinct')) {
          this.expectWord('from');
          const right = this.comparison();
          const distinct: Expr = node({ kind: 'Binary', op: 'is distinct from', left, right, at });
          left = negated ? node({ kind: 'Unary', op: 'not', operand: distinct, at }) : distinct;
        } else throw this.unexpected();
      } else return left;
    }
  }

  private comparison(): Expr {
    let left = this.predicate();
    while (this.peek().kind === 'op' && COMPARISONS.has(this.peek().text)) {
      const t = this.next();
      left = node({ kind: 'Binary', op: t.text, left, right: this.predicate(), at: t.at });
    }
    return left;
  }

  /** BETWEEN, IN, LIKE, ILIKE (optionally after NOT). */
  private predicate(): Expr {
    const left = this.other();
    const negated = this.isWord('not') && (this.isWord('between', 1) || this.isWord('in', 1) || this.isWord('like', 1) || this.isWord('ilike', 1));
    if (negated) this.next();
    if (this.acceptWord('between')) {
      if (this.isWord('symmetric')) throw new SqlError('0A000', 'BETWEEN SYMMETRIC is not supported yet', this.peek().at + 1);
      const low = this.other();
      this.expectWord('and');
      return node({ kind: 'Between', operand: left, low, high: this.other(), negated });
    }
    if (this.acceptWord('in')) {
      const at = this.peek().at;
      this.expectOp('(');
      if (this.isWord('select') || this.isWord('with')) {
        const query = this.query();
        this.expectOp(')');
        return node({ kind: 'SubqueryExpr', form: 'in', query, operand: left, negated, at });
      }
      const items = [this.expr()];
      while (this.acceptOp(',')) items.push(this.expr());
      this.expectOp(')');
      return node({ kind: 'InList', operand: left, items, negated });
    }
    if (this.isWord('like') || this.isWord('ilike')) {
      const caseInsensitive = this.next().text === 'ilike';
      return node({ kind: 'Like', operand: left, pattern: this.other(), negated, caseInsensitive });
    }
    return left;
  }

  /** Operators without a precedence of their own (||, ~~ ...) bind looser than + and -. */
  private other(): Expr {
    let left = this.additive();
    while (this.peek().kind === 'op' && this.peek().text === '||') {
      const t = this.next();
      left = node({ kind: 'Binary', op: t.text, left, right: this.additive(), at: t.at });
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      left = node({ kind: 'Binary', op: t.text, left, right: this.multiplicative(), at: t.at });
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const t = this.next();
      left = node({ kind: 'Binary', op: t.text, left, right: this.unary(), at: t.at });
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      const operand = this.unary();
      // A minus before a number literal is part of the literal (so -2147483648 is an integer).
      if (t.text === '-' && operand.kind === 'Literal' && (operand.literal === 'integer' || operand.literal === 'decimal') && !String(operand.value).startsWith('-')) {
        return node({ kind: 'Literal', value: `-${operand.value}`, literal: operand.literal, at: t.at });
      }
      return node({ kind: 'Unary', op: t.text as '-' | '+', operand, at: t.at });
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let operand = this.primary();
    while (this.isOp('::')) {
      const at = this.next().at;
      operand = node({ kind: 'Cast', operand, typeName: this.typeName(), at });
    }
    return operand;
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.next();
        return node({ kind: 'Literal', value: t.text, literal: /[.eE]/.test(t.text) ? 'decimal' : 'integer', at: t.at });
      case 'string':
        this.next();
        return node({ kind: 'Literal', value: t.text, literal: 'string', at: t.at });
      case 'param':
        this.next();
        return node({ kind: 'Param', index: Number(t.text), at: t.at });
      case 'op':
        if (t.text === '(') {
          this.next();
          if (this.isWord('select') || this.isWord('with')) {
            const query = this.query();
            this.expectOp(')');
            return node({ kind: 'SubqueryExpr', form: 'scalar', query, operand: null, negated: false, at: t.at });
          }
          const inner = this.expr();
          this.expectOp(')');
          return inner;
        }
        if (t.text === '*') {
          this.next();
          return node({ kind: 'Star', table: null, at: t.at });
        }
        throw this.unexpected();
      case 'qident':
        this.next();
        return this.reference(t);
      case 'ident':
        return this.word(t);
      default:
        throw this.unexpected();
    }
  }

  private word(t: Token): Expr {
    switch (t.text) {
      case 'null':
        this.next();
        return node({ kind: 'Literal', value: null, literal: 'null', at: t.at });
      case 'true':
      case 'false':
        this.next();
        return node({ kind: 'Literal', value: t.text === 'true', literal: 'bool', at: t.at });
      case 'case':
        this.next();
        return this.caseExpr();
      case 'cast': {
        this.next();
        this.expectOp('(');
        const operand = this.expr();
        this.expectWord('as');
        const typeName = this.typeName();
        this.expectOp(')');
        return node({ kind: 'Cast', operand, typeName, at: t.at });
      }
      case 'extract': {
        if (this.peek(1).kind !== 'op' || this.peek(1).text !== '(') break;
        this.next();
        this.next();
        const field = this.next();
        if (field.kind !== 'ident' && field.kind !== 'string') throw this.unexpected(field);
        this.expectWord('from');
        const source = this.expr();
        this.expectOp(')');
        const fieldLiteral = node({ kind: 'Literal', value: field.text.toLowerCase(), literal: 'string', at: field.at } as const);
        return node({ kind: 'Func', name: 'extract', args: [fieldLiteral, source], distinct: false, star: false, at: t.at });
      }
      case 'date':
      case 'timestamp':
      case 'timestamptz': {
        // A typed literal: date '2024-01-01'.
        if (this.peek(1).kind === 'string' || (t.text === 'timestamp' && (this.isWord('with', 1) || this.isWord('without', 1)))) {
          const typeName = this.typeName();
          const literal = this.next();
          if (literal.kind !== 'string') throw this.unexpected(literal);
          return node({ kind: 'Cast', operand: node({ kind: 'Literal', value: literal.text, literal: 'string', at: literal.at }), typeName, at: t.at });
        }
        break;
      }
      case 'exists': {
        if (this.peek(1).kind !== 'op' || this.peek(1).text !== '(') break;
        this.next();
        this.next();
        const query = this.query();
        this.expectOp(')');
        return node({ kind: 'SubqueryExpr', form: 'exists', query, operand: null, negated: false, at: t.at });
      }
      case 'current_date':
      case 'current_timestamp':
      case 'localtimestamp':
        this.next();
        return node({ kind: 'Func', name: t.text, args: [], distinct: false, star: false, at: t.at });
    }
    if (RESERVED.has(t.text)) throw this.unexpected();
    this.next();
    if (this.isOp('(')) return this.call(t);
    return this.reference(t);
  }

  private reference(t: Token): Expr {
    if (this.acceptOp('.')) {
      if (this.acceptOp('*')) return node({ kind: 'Star', table: t.text, at: t.at });
      const column = this.next();
      if (column.kind !== 'ident' && column.kind !== 'qident') throw this.unexpected(column);
      if (this.isOp('(')) return this.call(column, t.text);
      return node({ kind: 'ColumnRef', table: t.text, name: column.text, at: t.at });
    }
    return node({ kind: 'ColumnRef', table: null, name: t.text, at: t.at });
  }

  private call(t: Token, schema: string | null = null): Expr {
    this.expectOp('(');
    const name = schema === null || schema === 'pg_catalog' ? t.text : `${schema}.${t.text}`;
    if (this.acceptOp('*')) {
      this.expectOp(')');
      return this.over(node({ kind: 'Func', name, args: [], distinct: false, star: true, at: t.at }));
    }
    const distinct = this.acceptWord('distinct');
    if (!distinct) this.acceptWord('all');
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      do args.push(this.expr());
      while (this.acceptOp(','));
    }
    this.expectOp(')');
    return this.over(node({ kind: 'Func', name, args, distinct, star: false, at: t.at }));
  }

  /** A call followed by OVER is a window function call. */
  private over(func: Extract<Expr, { kind: 'Func' }>): Expr {
    if (this.isWord('within') || this.isWord('filter')) {
      throw new SqlError('0A000', `${this.peek().text.toUpperCase()} is not supported yet`, this.peek().at + 1);
    }
    if (!this.acceptWord('over')) return func;
    if (this.isOp('(')) return node({ kind: 'Window', func, over: this.windowSpec() });
    const at = this.peek().at;
    return node({ kind: 'Window', func, over: { name: this.identifier(), at } });
  }

  private caseExpr(): Expr {
    const operand = this.isWord('when') ? null : this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.acceptWord('when')) {
      const when = this.expr();
      this.expectWord('then');
      whens.push({ when, then: this.expr() });
    }
    if (whens.length === 0) throw this.unexpected();
    const otherwise = this.acceptWord('else') ? this.expr() : null;
    this.expectWord('end');
    return node({ kind: 'Case', operand, whens, otherwise });
  }
}

function booleanOption(text: string): boolean {
  const value = text.toLowerCase();
  if (['true', 'on', '1', 'yes'].includes(value)) return true;
  if (['false', 'off', '0', 'no'].includes(value)) return false;
  if (value === 'match') throw new SqlError('0A000', 'HEADER MATCH is not supported yet');
  throw new SqlError('22023', `header requires a Boolean value`);
}

/** Fills PostgreSQL's defaults in and rejects what it rejects. */
function copyOptions(given: Record<string, string | boolean>): CopyOptions {
  for (const name of Object.keys(given)) {
    if (!['format', 'delimiter', 'null', 'header', 'quote', 'escape'].includes(name)) throw new SqlError('42601', `option "${name}" not recognized`);
  }
  const format = String(given.format ?? 'text').toLowerCase();
  if (format === 'binary') throw new SqlError('0A000', 'COPY BINARY is not supported yet');
  if (format !== 'text' && format !== 'csv') throw new SqlError('22023', `COPY format "${format}" not recognized`);
  const csv = format === 'csv';
  const delimiter = String(given.delimiter ?? (csv ? ',' : '\t'));
  if (delimiter.length !== 1) throw new SqlError('0A000', 'COPY delimiter must be a single one-byte character');
  if (!csv && (given.quote !== undefined)) throw new SqlError('0A000', 'COPY quote available only in CSV mode');
  if (!csv && (given.escape !== undefined)) throw new SqlError('0A000', 'COPY escape available only in CSV mode');
  const quote = String(given.quote ?? '"');
  const escape = String(given.escape ?? quote);
  if (quote.length !== 1) throw new SqlError('0A000', 'COPY quote must be a single one-byte character');
  if (escape.length !== 1) throw new SqlError('0A000', 'COPY escape must be a single one-byte character');
  return { format, delimiter, null: String(given.null ?? (csv ? '' : '\\N')), header: given.header === true, quote, escape };
}
