// createNodeFetch over an undici that is not undici 7 or 8: under Bun, require('undici') is Bun's own
// stand-in, whose Dispatcher has no compose(). It must fail at creation, in one line saying what to do,
// not at every request with "router.compose is not a function". (The built entry under Bun itself:
// tests/package/node-entry-under-bun.test.ts.)
import type * as FetchModule from '../../src/node/fetch';

/** src/node/fetch.ts over a stub of undici shaped like Bun's: a Dispatcher and an Agent without compose or destroy. */
function fetchModuleOverStub(): typeof FetchModule {
  let loaded: typeof FetchModule | undefined;
  jest.isolateModules(() => {
    class Dispatcher {}
    class Agent extends Dispatcher {}
    jest.doMock('undici', () => ({
      Dispatcher,
      Agent,
      ProxyAgent: Agent,
      EnvHttpProxyAgent: Agent,
      fetch: globalThis.fetch,
    }));
    loaded = require('../../src/node/fetch') as typeof FetchModule;
  });
  if (!loaded) throw new Error('src/node/fetch.ts did not load');
  return loaded;
}

it('throws one line, with a code, at creation when the undici loaded has no Dispatcher.compose', () => {
  const { createNodeFetch } = fetchModuleOverStub();
  let thrown: unknown;
  try {
    createNodeFetch();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TypeError);
  expect(thrown).toMatchObject({
    code: 'DIGILOCKER_UNSUPPORTED_UNDICI',
    message:
      "digilocker-revocation/node runs on Node with undici 7 or 8: this runtime's undici has no Dispatcher.compose; use the global fetch",
  });
});
