// One PostgreSQL client connection: start-up (SSLRequest refused with 'N', cleartext password
// checked against requirepass when one is set), the simple query protocol, and the extended
// protocol (Parse/Bind/Describe/Execute/Sync/Close with text-format parameters), with
// PostgreSQL's transaction-status bookkeeping and error recovery (skip to Sync). COPY FROM
// STDIN and TO STDOUT run in the simple query protocol, as psql's \copy sends them.

import type { CopyReader } from '../copy.ts';
import type { SqlEngine, QueryResult } from '../engine.ts';
import type { Statement } from '../sql/ast.ts';
import { SqlError } from '../sql/errors.ts';
import type { OutputColumn } from '../sql/planner.ts';
import { typeOid, typeSize } from '../types.ts';
import {
  BodyReader,
  CANCEL_REQUEST,
  GSS_REQUEST,
  MessageReader,
  MessageWriter,
  PROTOCOL_3,
  SSL_REQUEST,
  type Message,
} from './protocol.ts';

export interface SessionHost {
  readonly engine: SqlEngine;
  /** The password clients must give; empty for none (trust). */
  password(): string;
  readonly processId: number;
}

/** ParameterStatus values sent after authentication (what drivers and psql read). */
const STARTUP_PARAMETERS: readonly [string, string][] = [
  ['server_version', '15.0'],
  ['server_encoding', 'UTF8'],
  ['client_encoding', 'UTF8'],
  ['DateStyle', 'ISO, MDY'],
  ['TimeZone', 'UTC'],
  ['IntervalStyle', 'postgres'],
  ['integer_datetimes', 'on'],
  ['standard_conforming_strings', 'on'],
  ['is_superuser', 'on'],
  ['default_transaction_read_only', 'off'],
  ['in_hot_standby', 'off'],
];

interface Prepared {
  readonly statement: Statement | null;
  readonly paramOids: readonly number[];
  readonly paramCount: number;
}

interface Portal {
  readonly prepared: Prepared;
  readonly params: readonly (string | null)[];
  /** Rows left to send after an Execute with a row limit. */
  pending: { result: QueryResult; sent: number } | null;
}

type State = 'startup' | 'password' | 'ready' | 'closed';

export class PgSession {
  private readonly reader = new MessageReader();
  readonly out = new MessageWriter();
  private state: State = 'startup';
  private user = '';
  private transaction: 'I' | 'T' | 'E' = 'I';
  /** After an error in the extended protocol, messages are skipped until Sync. */
  private skipping = false;
  private readonly statements = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  readonly secret = Math.floor(Math.random() * 0x7fffffff);
  /** A COPY FROM STDIN taking CopyData, and the statements of its query string after it. */
  private copyIn: { readonly reader: CopyReader; readonly rest: readonly Statement[] } | null = null;

  constructor(private readonly host: SessionHost) {}

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Feeds received bytes; returns whether the connection should close after the reply. */
  feed(chunk: Buffer): boolean {
    this.reader.push(chunk);
    try {
      while (this.state !== 'closed') {
        if (this.state === 'startup') {
          const startup = this.reader.startup();
          if (startup === null) break;
          this.startup(startup.code, startup.body);
          continue;
        }
        const message = this.reader.next();
        if (message === null) break;
        this.handle(message);
      }
    } catch (error) {
      this.fatal('08P01', `invalid frontend message: ${(error as Error).message}`);
    }
    return this.state === 'closed';
  }

  private fatal(code: string, message: string): void {
    this.out.error({ severity: 'FATAL', code, message });
    this.state = 'closed';
  }

  private startup(code: number, body: Buffer): void {
    if (code === SSL_REQUEST || code === GSS_REQUEST) {
      this.out.raw(Buffer.from('N'));
      return;
    }
    if (code === CANCEL_REQUEST) {
      // Statements run to completion within one turn, so there is never one to cancel.
      this.state = 'closed';
      return;
    }
    if (code !== PROTOCOL_3) {
      this.fatal('0A000', `unsupported frontend protocol ${code >>> 16}.${code & 0xffff}: server supports 3.0 to 3.0`);
      return;
    }
    const fields = new BodyReader(body);
    const params = new Map<string, string>();
    while (!fields.done) {
      const name = fields.string();
      if (name === '') break;
      params.set(name, fields.string());
    }
    this.user = params.get('user') ?? '';
    if (this.user === '') {
      this.fatal('28000', 'no PostgreSQL user name specified in startup packet');
      return;
    }
    if (this.host.password() === '') this.ready();
    else {
      this.out.authentication(3); // cleartext password
      this.state = 'password';
    }
  }

  private ready(): void {
    this.out.authentication(0);
    for (const [name, value] of STARTUP_PARAMETERS) this.out.parameterStatus(name, value);
    this.out.parameterStatus('session_authorization', this.user);
    this.out.backendKeyData(this.host.processId, this.secret);
    this.out.readyForQuery('I');
    this.state = 'ready';
  }

  private handle(message: Message): void {
    if (this.state === 'password') {
      if (message.type !== 'p') {
        this.fatal('08P01', `expected password response, got message type ${message.type}`);
        return;
      }
      const password = new BodyReader(message.body).string();
      if (password !== this.host.password()) this.fatal('28P01', `password authentication failed for user "${this.user}"`);
      else this.ready();
      return;
    }
    if (message.type === 'X') {
      this.state = 'closed';
      return;
    }
    if (this.copyIn !== null) {
      this.copyData(message);
      return;
    }
    // What a client still sends of a COPY that failed is dropped, as PostgreSQL does.
    if (message.type === 'd' || message.type === 'c' || message.type === 'f') return;
    if (message.type === 'Q') {
      this.simpleQuery(new BodyReader(message.body).string());
      return;
    }
    if (message.type === 'S') {
      this.skipping = false;
      this.out.readyForQuery(this.transaction);
      return;
    }
    if (message.type === 'H') return;
    if (this.skipping) return;
    try {
      this.extended(message);
    } catch (error) {
      this.fail(error);
      this.skipping = true;
    }
  }

  private fail(error: unknown): void {
    if (error instanceof SqlError) {
      this.out.error({ severity: error.severity, code: error.code, message: error.message, position: error.position, where: error.where });
    } else {
      this.out.error({ severity: 'ERROR', code: 'XX000', message: `internal error: ${(error as Error).message}` });
    }
    if (this.transaction === 'T') this.transaction = 'E';
  }

  private simpleQuery(sql: string): void {
    try {
      const statements = this.host.engine.parse(sql);
      if (statements.length === 0) this.out.emptyQuery();
      if (!this.runAll(statements)) return;
    } catch (error) {
      this.fail(error);
    }
    this.out.readyForQuery(this.transaction);
  }

  /** Runs a query string's statements in order; false once a COPY FROM STDIN waits for data. */
  private runAll(statements: readonly Statement[]): boolean {
    for (let i = 0; i < statements.length; i++) {
      const statement = statements[i]!;
      if (statement.kind === 'Copy') {
        this.checkTransaction(statement);
        if (statement.direction === 'from') {
          const started = performance.now();
          const reader = this.host.engine.copyFrom(statement, (rows) => {
            const rate = Math.round(rows / ((performance.now() - started) / 1000));
            this.out.notice(`COPY ${statement.table}: ${rows} rows so far (${rate} rows/s)`);
          });
          this.out.copyResponse('in', reader.columns);
          this.copyIn = { reader, rest: statements.slice(i + 1) };
          return false;
        }
        const copy = this.host.engine.copyTo(statement);
        this.out.copyResponse('out', copy.columns);
        for (const line of copy.lines) this.out.copyData(line);
        this.out.copyDone();
        this.out.commandComplete(`COPY ${copy.rows}`);
        continue;
      }
      const result = this.run(statement, []);
      if (result.columns !== null) this.describeColumns(result.columns);
      for (const row of result.rows) this.out.dataRow(row);
      this.out.commandComplete(result.command);
    }
    return true;
  }

  /** Copy-in mode: CopyData feeds the reader, CopyDone ends the COPY, CopyFail abandons it. */
  private copyData(message: Message): void {
    const copy = this.copyIn!;
    if (message.type === 'H' || message.type === 'S') return;
    try {
      switch (message.type) {
        case 'd':
          copy.reader.write(message.body);
          return;
        case 'c': {
          const rows = copy.reader.finish();
          this.copyIn = null;
          this.out.commandComplete(`COPY ${rows}`);
          if (!this.runAll(copy.rest)) return;
          break;
        }
        case 'f':
          throw new SqlError('57014', `COPY from stdin failed: ${new BodyReader(message.body).string()}`);
        default:
          throw new SqlError('08P01', `unexpected message type 0x${message.type.charCodeAt(0).toString(16).padStart(2, '0')} during COPY from stdin`);
      }
    } catch (error) {
      if (this.copyIn === copy) copy.reader.abort();
      this.copyIn = null;
      this.fail(error);
    }
    this.out.readyForQuery(this.transaction);
  }

  /** Runs a statement, keeping the transaction status as PostgreSQL reports it. */
  private run(statement: Statement, params: readonly (string | null)[]): QueryResult {
    this.checkTransaction(statement);
    const result = this.host.engine.run(statement, { params });
    if (statement.kind === 'Transaction') this.transaction = statement.action === 'BEGIN' ? 'T' : 'I';
    return result;
  }

  private checkTransaction(statement: Statement): void {
    if (this.transaction === 'E' && !(statement.kind === 'Transaction' && statement.action !== 'BEGIN')) {
      throw new SqlError('25P02', 'current transaction is aborted, commands ignored until end of transaction block');
    }
  }

  private describeColumns(columns: readonly OutputColumn[]): void {
    this.out.rowDescription(columns.map((c) => ({ name: c.name, oid: typeOid(c.type), size: typeSize(c.type) })));
  }

  private extended(message: Message): void {
    const body = new BodyReader(message.body);
    switch (message.type) {
      case 'P': {
        const name = body.string();
        const sql = body.string();
        const count = body.int16();
        const paramOids = Array.from({ length: count }, () => body.int32());
        const statements = this.host.engine.parse(sql);
        if (statements.length > 1) throw new SqlError('42601', 'cannot insert multiple commands into a prepared statement');
        if (name !== '' && this.statements.has(name)) throw new SqlError('42P05', `prepared statement "${name}" already exists`);
        const paramCount = Math.max(count, highestParameter(sql));
        // PostgreSQL analyses a statement at Parse: unknown tables and columns fail here.
        if (statements[0] !== undefined) this.host.engine.describe(statements[0], { params: new Array<null>(paramCount).fill(null) });
        this.statements.set(name, { statement: statements[0] ?? null, paramOids, paramCount });
        this.out.parseComplete();
        return;
      }
      case 'B': {
        const portal = body.string();
        const name = body.string();
        const prepared = this.statements.get(name);
        if (prepared === undefined) throw new SqlError('26000', `prepared statement "${name}" does not exist`);
        const formats = Array.from({ length: body.int16() }, () => body.int16());
        const params = Array.from({ length: body.int16() }, (_, i) => {
          const length = body.int32();
          if (length < 0) return null;
          if ((formats.length === 1 ? formats[0] : formats[i]) === 1) throw new SqlError('0A000', 'binary-format parameters are not supported yet');
          return body.bytes(length).toString('utf8');
        });
        if (params.length !== prepared.paramCount) {
          throw new SqlError('08P01', `bind message supplies ${params.length} parameters, but prepared statement "${name}" requires ${prepared.paramCount}`);
        }
        const resultFormats = Array.from({ length: body.int16() }, () => body.int16());
        if (resultFormats.some((f) => f === 1)) throw new SqlError('0A000', 'binary-format results are not supported yet');
        this.portals.set(portal, { prepared, params, pending: null });
        this.out.bindComplete();
        return;
      }
      case 'D': {
        const kind = String.fromCharCode(body.bytes(1)[0]!);
        const name = body.string();
        if (kind === 'S') {
          const prepared = this.statements.get(name);
          if (prepared === undefined) throw new SqlError('26000', `prepared statement "${name}" does not exist`);
          this.out.parameterDescription(Array.from({ length: prepared.paramCount }, (_, i) => prepared.paramOids[i] || typeOid('text')));
          this.describeStatement(prepared, Array.from({ length: prepared.paramCount }, () => null));
        } else {
          const portal = this.portals.get(name);
          if (portal === undefined) throw new SqlError('34000', `portal "${name}" does not exist`);
          this.describeStatement(portal.prepared, portal.params);
        }
        return;
      }
      case 'E': {
        const name = body.string();
        const maxRows = body.int32();
        const portal = this.portals.get(name);
        if (portal === undefined) throw new SqlError('34000', `portal "${name}" does not exist`);
        this.execute(portal, maxRows);
        return;
      }
      case 'C': {
        const kind = String.fromCharCode(body.bytes(1)[0]!);
        const name = body.string();
        if (kind === 'S') this.statements.delete(name);
        else this.portals.delete(name);
        this.out.closeComplete();
        return;
      }
      default:
        throw new SqlError('08P01', `invalid frontend message type ${message.type.charCodeAt(0)}`);
    }
  }

  private describeStatement(prepared: Prepared, params: readonly (string | null)[]): void {
    const columns = prepared.statement === null ? null : this.host.engine.describe(prepared.statement, { params });
    if (columns === null) this.out.noData();
    else this.describeColumns(columns);
  }

  private execute(portal: Portal, maxRows: number): void {
    if (portal.prepared.statement === null) {
      this.out.emptyQuery();
      return;
    }
    portal.pending ??= { result: this.run(portal.prepared.statement, portal.params), sent: 0 };
    const { result } = portal.pending;
    const end = maxRows > 0 ? Math.min(result.rows.length, portal.pending.sent + maxRows) : result.rows.length;
    for (let r = portal.pending.sent; r < end; r++) this.out.dataRow(result.rows[r]!);
    portal.pending.sent = end;
    if (end < result.rows.length) this.out.portalSuspended();
    else this.out.commandComplete(result.command);
  }
}

/** The highest $n a query mentions (the parameter count when Parse gives no types). */
function highestParameter(sql: string): number {
  let highest = 0;
  // Quoted strings and identifiers may contain "$1"; strip them first.
  const bare = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, '');
  for (const match of bare.matchAll(/\$(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}
