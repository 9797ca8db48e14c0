import { type RawBuilder, sql } from "kysely";

/**
 * How an event's stored headers lose (and, for a redelivery, regain) the consumer's credential. The
 * headers are a JSON object in a text column; each engine edits it with its own JSON functions, so
 * the token never leaves the database to be removed and no row is read back to be rewritten.
 */
export interface CredentialSql {
  /** The headers without `authorization`. */
  readonly withoutAuthorization: RawBuilder<string>;
  /** 1 when the headers hold an `authorization` now, else `credential_removed` as it was. */
  readonly removedFlag: RawBuilder<number>;
  /** The headers with `authorization` set to `value`. */
  withAuthorization(value: string): RawBuilder<string>;
}

export const sqliteCredentialSql: CredentialSql = {
  withoutAuthorization: sql<string>`json_remove(headers, '$.authorization')`,
  removedFlag: sql<number>`case when json_extract(headers, '$.authorization') is null then credential_removed else 1 end`,
  withAuthorization: (value) => sql<string>`json_set(headers, '$.authorization', ${value})`,
};

export const postgresCredentialSql: CredentialSql = {
  withoutAuthorization: sql<string>`(headers::jsonb - 'authorization')::text`,
  removedFlag: sql<number>`case when headers::jsonb ? 'authorization' then 1 else credential_removed end`,
  withAuthorization: (value) =>
    sql<string>`(headers::jsonb || jsonb_build_object('authorization', ${value}::text))::text`,
};
