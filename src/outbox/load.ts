import { MissingDependencyError } from './errors';

/**
 * Imports an optional peer dependency; when it, or one of `alsoNeeded` (peer dependencies it imports
 * itself), is not installed, rejects with a {@link MissingDependencyError} whose one-line message names
 * the package to install.
 */
export async function loadOptional<T>(
  packageName: string,
  load: () => Promise<T>,
  alsoNeeded: readonly string[] = [],
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = [packageName, ...alsoNeeded].find((name) => isModuleNotFound(error, name));
    if (missing !== undefined) throw new MissingDependencyError(missing, error);
    throw error;
  }
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // Only when the package itself is missing, not a file inside it or one of its own dependencies.
  return error.message.includes(`'${packageName}'`) || error.message.includes(`"${packageName}"`);
}

/** pg-boss's module (ESM only), loaded on demand; pg-boss 12 imports `pg` whatever the store. */
export function loadPgBoss(): Promise<typeof import('pg-boss')> {
  return loadOptional('pg-boss', () => import('pg-boss'), ['pg']);
}

/** PGlite's module, loaded on demand. */
export function loadPglite(): Promise<typeof import('@electric-sql/pglite')> {
  return loadOptional('@electric-sql/pglite', () => import('@electric-sql/pglite'));
}

/** node-postgres, loaded on demand. */
export async function loadPg(): Promise<typeof import('pg')> {
  const module = await loadOptional('pg', () => import('pg'));
  return ((module as { default?: unknown }).default ?? module) as typeof import('pg');
}
