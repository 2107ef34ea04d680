/**
 * A REST error as the org returns it (docs/salesforce-wire.md §4.2): HTTP status, `errorCode`, message and
 * fields. Thrown by the store, the record rules, the SOQL parser and the REST handlers; turned into a
 * response by handleRest (rest.ts).
 */

/** A REST error as the org returns it (docs/salesforce-wire.md §4.2). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
  }
  /** The REST error body: an array with one error (docs/salesforce-wire.md §4.2). */
  body(): Array<Record<string, unknown>> {
    return [{ message: this.message, errorCode: this.errorCode, fields: this.fields }];
  }
}
