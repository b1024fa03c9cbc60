// The CLI (dist/cli.js) is one bundle that Node parses at every start and keeps in memory for the
// whole run: of undici it holds only the connection pool createNodeTransport uses.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const cli = join(__dirname, '../../dist/cli.js');

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` before the tests.');
});

describe('the CLI bundle', () => {
  it('holds undici’s Pool and not its fetch, WebSocket or mocks', () => {
    const source = readFileSync(cli, 'utf8');
    expect(source).toContain('node_modules/undici/lib/dispatcher/pool.js');
    for (const unused of [
      'lib/web/fetch/index.js',
      'lib/web/websocket/websocket.js',
      'lib/mock/mock-agent.js',
    ])
      expect(source).not.toContain(`node_modules/undici/${unused}`);
  });
});
