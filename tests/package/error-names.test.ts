// Every error class a built entry exports is named as it is exported: its `name`, its instances'
// `name`, `constructor.name` (which loggers such as pino's error serializer report as the type) and what
// util.inspect prints. The bundler renames classes it lowers (`_NetworkError`), so each class says its
// name itself (src/error-class.ts).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const ENTRIES = ['index', 'outbox/index', 'node/index', 'testing/index', 'opentelemetry/index'];

function namesOf(extension: 'js' | 'cjs'): { entry: string; exported: string; seen: string[] }[] {
  const script = `
    import { createRequire } from 'node:module';
    import { inspect } from 'node:util';
    const load = (path) => ${extension === 'js' ? 'import(path)' : 'createRequire(import.meta.url)(path)'};
    const found = [];
    for (const entry of ${JSON.stringify(ENTRIES)}) {
      const module = await load('./dist/' + entry + '.${extension}');
      for (const [exported, value] of Object.entries(module)) {
        if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
        const instance = Object.create(value.prototype);
        // What V8 gives a thrown error: util.inspect prints it, with the constructor's name if that differs.
        Object.defineProperty(instance, 'stack', { value: instance.name + ': a message\\n    at somewhere' });
        found.push({ entry, exported, seen: [
          value.name, instance.name, instance.constructor.name, inspect(instance).split(/[ :\\n]/)[0],
        ] });
      }
    }
    console.log(JSON.stringify(found));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
});

it.each(['js', 'cjs'] as const)(
  'every error class of the %s build is named as it is exported',
  (extension) => {
    const classes = namesOf(extension);
    // The core's and the outbox's errors at least.
    expect(classes.map(({ exported }) => exported)).toEqual(
      expect.arrayContaining(['RevocationError', 'NetworkError', 'InputRangeError', 'StoreDamagedError']),
    );
    for (const { entry, exported, seen } of classes)
      expect({ entry, exported, seen }).toEqual({
        entry,
        exported,
        seen: [exported, exported, exported, exported],
      });
  },
);
