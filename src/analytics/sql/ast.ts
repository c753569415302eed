// The syntax tree: immutable nodes with a `kind` tag (the Kysely model), built only through
// `node`, which freezes them. One file rather than one per node: the set is small and the
// planner switches over the `kind` unions, so the compiler flags a kind it does not handle.

export const node = <T extends { readonly kind: string }>(value: T): T => Object.freeze(value);

// ---- expressions ----

export interface Literal {
  readonly kind: 'Literal';
  /** Written text of numbers and strings; null for NULL; true/false for booleans. */
  readonly value: string | boolean | null;
  readonly literal: 'integer' | 'decimal' | 'string' | 'bool' | 'null';
  readonly at: number;
}
export interface Param {
  readonly kind: 'Param';
  /** 1-based, as written ($1). */
  readonly index: number;
  readonly at: number;
}
export interface ColumnRef {
  readonly kind: 'ColumnRef';
  readonly table: string | null;
  readonly name: string;
  readonly at: number;
}
export interface Star {
  readonly kind: 'Star';
  readonly table: string | null;
  readonly at: number;
}
export interface Unary {
  readonly kind: 'Unary';
  readonly op: '-' | '+' | 'not';
  readonly operand: Expr;
  readonly at: number;
}
export interface Binary {
  readonly kind: 'Binary';
  readonly op: string;
  readonly left: Expr;
  readonly right: Expr;
  readonly at: number;
}
export interface IsNull {
  readonly kind: 'IsNull';
  readonly operand: Expr;
  readonly negated: boolean;
}
export interface Between {
  readonly kind: 'Between';
  readonly operand: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly negated: boolean;
}
export interface InList {
  readonly kind: 'InList';
  readonly operand: Expr;
  readonly items: readonly Expr[];
  readonly negated: boolean;
}
export interface Like {
  readonly kind: 'Like';
  readonly operand: Expr;
  readonly pattern: Expr;
  readonly negated: boolean;
  readonly caseInsensitive: boolean;
}
export interface Case {
  readonly kind: 'Case';
  readonly operand: Expr | null;
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly otherwise: Expr | null;
}
export interface Cast {
  readonly kind: 'Cast';
  readonly operand: Expr;
  readonly typeName: string;
  readonly at: number;
}
export interface Func {
  readonly kind: 'Func';
  readonly name: string;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
  /** count(*) */
  readonly star: boolean;
  readonly at: number;
}

/** A query inside an expression: (SELECT ...) as a value, EXISTS (...), x [NOT] IN (SELECT ...). */
export interface SubqueryExpr {
  readonly kind: 'SubqueryExpr';
  readonly form: 'scalar' | 'exists' | 'in';
  readonly query: Query;
  /** The left side of IN. */
  readonly operand: Expr | null;
  readonly negated: boolean;
  readonly at: number;
}

/** One end of a window frame; `offset` for the PRECEDING / FOLLOWING forms with a distance. */
export interface FrameBound {
  readonly kind: 'unbounded preceding' | 'preceding' | 'current row' | 'following' | 'unbounded following';
  readonly offset: Expr | null;
  readonly at: number;
}
export interface WindowFrame {
  readonly mode: 'rows' | 'range' | 'groups';
  readonly start: FrameBound;
  readonly end: FrameBound;
  readonly at: number;
}
/** The inside of OVER (...) or of WINDOW name AS (...); `base` names a window it refines. */
export interface WindowSpec {
  readonly base: string | null;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
  readonly frame: WindowFrame | null;
  readonly at: number;
}
/** fn(...) OVER (spec) or fn(...) OVER name. */
export interface WindowExpr {
  readonly kind: 'Window';
  readonly func: Func;
  readonly over: WindowSpec | { readonly name: string; readonly at: number };
}

export type Expr = Literal | Param | ColumnRef | Star | Unary | Binary | IsNull | Between | InList | Like | Case | Cast | Func | SubqueryExpr | WindowExpr;

// ---- statements ----

export interface SelectItem {
  readonly expr: Expr;
  readonly alias: string | null;
}
export interface OrderItem {
  readonly expr: Expr;
  readonly descending: boolean;
  /** null: PostgreSQL's default (NULLs last ascending, first descending). */
  readonly nullsFirst: boolean | null;
}
export interface TableRef {
  readonly kind: 'TableRef';
  readonly name: string;
  readonly alias: string | null;
  readonly at: number;
}
export interface Join {
  readonly kind: 'Join';
  readonly joinType: 'inner' | 'left' | 'right' | 'full' | 'cross';
  readonly left: FromItem;
  readonly right: FromItem;
  readonly on: Expr | null;
}
/** A query in FROM: (SELECT ...) AS alias (columns). */
export interface Subquery {
  readonly kind: 'Subquery';
  readonly query: Query;
  readonly alias: string;
  readonly columns: readonly string[] | null;
  readonly at: number;
}
export type FromItem = TableRef | Join | Subquery;

export interface NamedWindow {
  readonly name: string;
  readonly spec: WindowSpec;
}

export interface Select {
  readonly kind: 'Select';
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: FromItem | null;
  readonly where: Expr | null;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | null;
  /** WINDOW name AS (...), ... */
  readonly windows: readonly NamedWindow[];
  readonly orderBy: readonly OrderItem[];
  readonly limit: Expr | null;
  readonly offset: Expr | null;
}
/** UNION [ALL] of two queries; ORDER BY and LIMIT apply to the combined rows. */
export interface SetOperation {
  readonly kind: 'SetOperation';
  readonly all: boolean;
  readonly left: Query;
  readonly right: Query;
  readonly orderBy: readonly OrderItem[];
  readonly limit: Expr | null;
  readonly offset: Expr | null;
  readonly at: number;
}
export interface CommonTable {
  readonly name: string;
  readonly columns: readonly string[] | null;
  readonly query: Query;
}
/** WITH name AS (query), ... body (not recursive). */
export interface With {
  readonly kind: 'With';
  readonly tables: readonly CommonTable[];
  readonly body: Query;
}
export type Query = Select | SetOperation | With;

export interface ColumnSpec {
  readonly name: string;
  readonly typeName: string;
  readonly notNull: boolean;
  readonly primaryKey: boolean;
  readonly at: number;
}
export interface CreateTable {
  readonly kind: 'CreateTable';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly columns: readonly ColumnSpec[];
  /** Columns of a table-level PRIMARY KEY (...). */
  readonly primaryKey: readonly string[];
  /** CREATE FOREIGN TABLE ... FROM HASHES|SERIES 'pattern': a view of live Redis keys. */
  readonly foreign: ForeignSource | null;
}

export interface ForeignSource {
  readonly kind: 'hashes' | 'series';
  /** A glob over key names, as KEYS and SCAN MATCH take it. */
  readonly pattern: string;
}
export interface AlterTableAddColumn {
  readonly kind: 'AlterTableAddColumn';
  readonly table: string;
  readonly column: ColumnSpec;
  readonly ifNotExists: boolean;
}
export interface DropTable {
  readonly kind: 'DropTable';
  readonly names: readonly string[];
  readonly ifExists: boolean;
}
export interface Insert {
  readonly kind: 'Insert';
  readonly table: string;
  readonly columns: readonly string[] | null;
  readonly rows: readonly (readonly Expr[])[] | null;
  readonly select: Query | null;
  readonly returning: readonly SelectItem[] | null;
}
export interface Update {
  readonly kind: 'Update';
  readonly table: string;
  readonly sets: readonly { readonly column: string; readonly value: Expr; readonly at: number }[];
  readonly where: Expr | null;
  readonly returning: readonly SelectItem[] | null;
}
export interface Delete {
  readonly kind: 'Delete';
  readonly table: string;
  readonly where: Expr | null;
  readonly returning: readonly SelectItem[] | null;
}
export interface Truncate {
  readonly kind: 'Truncate';
  readonly names: readonly string[];
}
export interface Explain {
  readonly kind: 'Explain';
  readonly statement: Query;
}
/** BEGIN, COMMIT, ROLLBACK: accepted so clients that wrap work in them run (no isolation yet). */
export interface Transaction {
  readonly kind: 'Transaction';
  readonly action: 'BEGIN' | 'COMMIT' | 'ROLLBACK';
}
export interface SetVariable {
  readonly kind: 'SetVariable';
  readonly name: string;
  readonly value: string;
}
export interface Show {
  readonly kind: 'Show';
  readonly name: string;
}

/** COPY's options, PostgreSQL's defaults filled in for the format. */
export interface CopyOptions {
  readonly format: 'text' | 'csv';
  readonly delimiter: string;
  /** The text that stands for NULL (\N in text, an unquoted empty field in CSV). */
  readonly null: string;
  readonly header: boolean;
  readonly quote: string;
  readonly escape: string;
}
/** COPY table [(columns)] FROM STDIN, COPY table|(query) TO STDOUT. */
export interface Copy {
  readonly kind: 'Copy';
  readonly table: string | null;
  readonly query: Query | null;
  readonly columns: readonly string[] | null;
  readonly direction: 'from' | 'to';
  readonly options: CopyOptions;
}

export type Statement = Select | SetOperation | With | CreateTable | AlterTableAddColumn | DropTable | Insert | Update | Delete | Truncate | Explain | Transaction | SetVariable | Show | Copy;
