// The two fetches a Node application runs the client on, for the tests that must hold on both.
import { createNodeFetch, type NodeFetch } from '../../src/node';

/**
 * For `describe.each`: global fetch (`undefined`, the client's default) and `createNodeFetch()`'s,
 * which is closed after the file's tests.
 */
export function nodeFetches(): [name: string, fetch: NodeFetch | undefined][] {
  const transport = createNodeFetch();
  afterAll(() => transport.close());
  return [
    ['global fetch', undefined],
    ['createNodeFetch', transport],
  ];
}
