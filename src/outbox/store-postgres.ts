import { loadPg } from './load';
import { describeConnectionString, type OutboxStore } from './store';

/**
 * Opens a store on a PostgreSQL server through a node-postgres pool, shared by pg-boss and the
 * outbox. Fails at once, with the server's own message, when the server cannot be reached.
 */
export async function openServerStore(
  connectionString: string,
  maxConnections: number,
): Promise<OutboxStore> {
  const pg = await loadPg();
  const pool = new pg.Pool({ connectionString, max: maxConnections, application_name: 'digilocker-outbox' });
  // An idle connection that breaks is dropped by the pool; the next query opens another.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return {
    kind: 'postgres',
    location: describeConnectionString(connectionString),
    db: { executeSql: (text, values) => pool.query(text, values as unknown[]) },
    close: () => pool.end(),
  };
}
