// Errors of the SQL engine carry PostgreSQL's SQLSTATE code, its message wording, and for
// syntax errors the 1-based character position in the statement, as an ErrorResponse sends them.

export class SqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** 1-based character offset into the query text. */
    readonly position?: number,
    readonly severity: 'ERROR' | 'FATAL' = 'ERROR',
    /** The CONTEXT line PostgreSQL adds (the COPY line an error is on). */
    readonly where?: string,
  ) {
    super(message);
  }
}

export const syntaxError = (near: string | null, position: number): SqlError =>
  new SqlError('42601', near === null ? 'syntax error at end of input' : `syntax error at or near "${near}"`, position);
