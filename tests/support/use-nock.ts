// nock for one test file: no real network (loopback too, when asked), interceptors cleared after each
// test, and node:http given back at the end: nock patches it for the whole jest worker, and the test
// files that run after this one in the same worker need the real one.
import nock from 'nock';

/** Registers the hooks; call it once, at the top level of a test file. */
export function useNock(options: { allowLoopback?: boolean } = {}): void {
  beforeAll(() => {
    nock.disableNetConnect();
    if (options.allowLoopback) nock.enableNetConnect('127.0.0.1');
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
}
