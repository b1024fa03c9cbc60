// Which undici the tests of the /node entry run on: the development dependency (7), or undici 8 when
// DIGILOCKER_TEST_UNDICI=8 (jest.config.cjs maps `undici` to the `undici8` alias). CI runs them on both,
// the two majors of the entry's peer range; this test proves the mapping took effect.
it('is the major the run asked for', () => {
  // Through jest's resolver, as src/node/fetch.ts's import of 'undici' goes.
  const { version } = require('undici/package.json') as { version: string };
  expect(version.split('.')[0]).toBe(process.env.DIGILOCKER_TEST_UNDICI === '8' ? '8' : '7');
});
