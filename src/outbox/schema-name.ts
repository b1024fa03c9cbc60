import { describeType, rangeError, typeError } from '../validate';
import type { OutboxStore } from './store';

/**
 * The `schema` option, which pg-boss splices into its SQL unquoted: a plain lowercase identifier of at
 * most 50 characters (pg-boss's limit), and neither one of PostgreSQL's own (`pg_*`, which it reserves,
 * and `information_schema`) nor one whose `<schema>_pause` is (`pg`). Nor may it end in `_pause` or
 * `_v10`: the outbox keeps its pause beside a queue in `<schema>_pause`, and a release-0.1 queue being
 * carried over in `<schema>_v10`, so such a queue would be taken for another's. SQL keywords are
 * refused at open, by {@link assertPlainSchema}, which asks PostgreSQL.
 * @throws {InputTypeError} or {InputRangeError} (`invalid_option`, input `schema`).
 */
export function schemaName(value: unknown): string {
  if (typeof value !== 'string') throw typeError('schema', `must be a string, got ${describeType(value)}`);
  if (!/^[a-z_][a-z0-9_]{0,49}$/.test(value) || /^pg(_|$)|^information_schema$|_(pause|v10)$/.test(value))
    throw rangeError(
      'schema',
      'must be a lowercase identifier (letters, digits, _; at most 50), not pg_*, nor ending in _pause or _v10',
    );
  return value;
}

/**
 * Refuses a schema that pg-boss's SQL cannot use unquoted: an SQL keyword (`user`, `select`), which
 * PostgreSQL's `quote_ident` quotes. Before pg-boss starts: nothing is created.
 * @throws {InputRangeError} (`invalid_option`, input `schema`).
 */
export async function assertPlainSchema(store: OutboxStore, schema: string): Promise<void> {
  const { rows } = await store.db.executeSql('SELECT quote_ident($1) = $1 AS plain', [schema]);
  if (!rows[0]?.plain) throw rangeError('schema', 'must not be an SQL keyword (pg-boss writes it unquoted)');
}
