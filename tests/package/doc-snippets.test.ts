// Every ```ts (or ```typescript) block of README.md, ARCHITECTURE.md and docs/*.md type-checks as a
// user's module would: `import ... from 'digilocker-revocation'` (and '/node', '/outbox', ...) resolves
// through package.json's `exports` to the built declarations (dist/), as in a consumer's project. Each
// block is a module of its own (top-level await works, top-level names never clash), all of them in
// one TypeScript program. A failure names the Markdown file and line of the error.
//
// The names in PRELUDE stand for the reader's own values (a session's tokens, an Express app): a block
// may use them without declaring them. Anything from the package must be imported by the block itself.
// A block that cannot be a whole module (a quote of the source, a shape) opts out with a comment just
// before it, giving the reason: <!-- not compiled: a quote of src/outbox/errors.ts -->. A reason that
// names a source file says the block is quoted from it: the block must still be in it, word for word.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '../..');

/** One fenced block: its Markdown file (relative to the root), the line of its first code line. */
interface Snippet {
  file: string;
  line: number;
  code: string;
  /** The reason given by `<!-- not compiled: reason -->` right before the fence. */
  skip?: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const OPT_OUT = /^\s*<!--\s*not compiled:\s*(\S.*?)\s*-->\s*$/;

/** The ```ts and ```typescript blocks of a Markdown text. */
function snippetsOf(file: string, text: string): Snippet[] {
  const lines = text.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, fence = '', language = ''] = open;
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? '').trim().startsWith(fence)) end++;
    if (language === 'ts' || language === 'typescript') {
      let before = i - 1;
      while (before >= 0 && (lines[before] ?? '').trim() === '') before--;
      const skip = OPT_OUT.exec(lines[before] ?? '')?.[1];
      const code = `${lines.slice(i + 1, end).join('\n')}\n`;
      snippets.push({ file, line: i + 2, code, ...(skip === undefined ? {} : { skip }) });
    }
    i = end;
  }
  return snippets;
}

/** The reader's own values, declared for every block (see the top of this file). */
const PRELUDE = `
import type { ClientCredentials, RevocationClient } from 'digilocker-revocation';

interface Session {
  userId: string;
  refreshToken: string;
  accessToken: string;
}

declare global {
  /** A token of the reader's, and the client's credentials and client. */
  const token: string;
  const refreshToken: string;
  const accessToken: string;
  const credentials: ClientCredentials;
  const client: RevocationClient;
  /** The reader's session store and web framework (an Express app), and a retry of their own. */
  const session: Session;
  const sessions: { take(id: string): Promise<Session | undefined> };
  const app: {
    post(
      path: string,
      handler: (
        req: { cookies: Record<string, string> },
        res: { clearCookie(name: string): { sendStatus(status: number): void } },
      ) => Promise<void>,
    ): void;
  };
  function retryLater(session: Session): void;
}
`;

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  types: ['node'],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
};

/**
 * Type-checks the snippets in one program; returns each snippet's errors, as `file:line:column message`
 * with the Markdown file's line. The modules live (in memory) in a folder of the package, so that the
 * package's own name resolves to it through `exports`, as from a consumer's node_modules.
 */
function typeCheck(snippets: readonly Snippet[]): string[][] {
  const folder = join(root, '.doc-snippets');
  const prelude = join(folder, 'prelude.ts');
  const sources = new Map<string, string>([[prelude, PRELUDE]]);
  const names = snippets.map((snippet, index) => {
    const name = join(folder, `${index}-${snippet.file.replace(/[^\w.-]/g, '_')}-${snippet.line}.ts`);
    sources.set(name, snippet.code);
    return name;
  });
  const host = ts.createCompilerHost(OPTIONS, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => sources.has(name) || fileExists.call(host, name);
  host.readFile = (name) => sources.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError, create) => {
    const text = sources.get(name);
    return text === undefined
      ? getSourceFile.call(host, name, language, onError, create)
      : ts.createSourceFile(name, text, language, true);
  };
  host.getCurrentDirectory = () => root;
  const program = ts.createProgram([prelude, ...names], OPTIONS, host);
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  const preludeErrors = [...program.getSemanticDiagnostics(program.getSourceFile(prelude))];
  if (global.length + preludeErrors.length > 0)
    throw new Error(ts.formatDiagnostics([...global, ...preludeErrors], host));
  return snippets.map((snippet, index) => {
    const source = program.getSourceFile(names[index] ?? '');
    if (!source) return [`${snippet.file}:${snippet.line}: not in the program`];
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map(
      (diagnostic) => {
        const { line, character } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
        return `${snippet.file}:${snippet.line + line}:${character + 1} TS${diagnostic.code}: ${message}`;
      },
    );
  });
}

const DOCS = [
  'README.md',
  'ARCHITECTURE.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

const snippets = DOCS.flatMap((file) => snippetsOf(file, readFileSync(join(root, file), 'utf8')));
const compiled = snippets.filter((snippet) => snippet.skip === undefined);

/** A broken block of a made-up document, checked along with the real ones: the check must fail on it. */
const BROKEN = snippetsOf(
  'docs/broken.md',
  [
    '# Broken',
    '',
    '```ts',
    "import { createRevocationClient } from 'digilocker-revocation';",
    '',
    "const client = createRevocationClient({ environment: 'production', credentialz: {} });",
    '```',
  ].join('\n'),
);

let errors: string[][] = [];
let brokenErrors: string[] = [];

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.d.ts')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
  const all = typeCheck([...compiled, ...BROKEN]);
  errors = all.slice(0, compiled.length);
  brokenErrors = all.slice(compiled.length).flat();
}, 60_000);

describe('the TypeScript blocks of the documentation', () => {
  it('are found (README.md alone has some)', () => {
    expect(compiled.filter((snippet) => snippet.file === 'README.md').length).toBeGreaterThan(0);
  });

  it('fail the check when one is broken, naming the file and line of the error', () => {
    expect(brokenErrors).toEqual([expect.stringMatching(/^docs\/broken\.md:6:\d+ TS\d+: .*'credentialz'/)]);
  });

  it('that opt out as a quote of a source file are still in that file, word for word', () => {
    const quotes = snippets.flatMap((snippet) => {
      const source = /\b((?:src|tests|scripts)\/[\w./-]+\.ts)\b/.exec(snippet.skip ?? '')?.[1];
      return source === undefined ? [] : [{ at: `${snippet.file}:${snippet.line - 1}`, source, snippet }];
    });
    const missing = quotes
      .filter(({ source, snippet }) => !readFileSync(join(root, source), 'utf8').includes(snippet.code))
      .map(({ at, source }) => `${at} is not in ${source}`);
    expect(missing).toEqual([]);
  });

  it.each(compiled.map((snippet, index) => [`${snippet.file}:${snippet.line - 1}`, index] as const))(
    '%s type-checks',
    (_, index) => {
      expect(errors[index]).toEqual([]);
    },
  );
});
