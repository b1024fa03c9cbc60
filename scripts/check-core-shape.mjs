// Every file of src/ (the core, the Node entry, the mock, the CLI, the outbox, the telemetry) reads in one
// sitting: no file over 300 lines, no function over 60 lines. Declarative tables (object and array
// literals) do not count as functions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

const problems = [];
for (const path of typeScriptFiles('src')) problems.push(...problemsOf(path));
if (problems.length > 0) {
  console.error(`src has grown past its shape:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(
  `shape: every file of src/ within ${MAX_FILE_LINES} lines, every function within ${MAX_FUNCTION_LINES}.`,
);

/** The .ts files under `directory`, recursively, as slash-separated paths. */
function typeScriptFiles(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = `${directory}/${entry.name}`;
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** What is too long in one file: the file itself, and each function over the limit. */
function problemsOf(path) {
  const found = [];
  const text = readFileSync(join(path), 'utf8');
  const lines = text.split('\n').length;
  if (lines > MAX_FILE_LINES) found.push(`${path}: ${lines} lines (at most ${MAX_FILE_LINES})`);
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const length = end - start + 1;
      const name = node.name?.getText(source) ?? '(anonymous)';
      if (length > MAX_FUNCTION_LINES)
        found.push(`${path}:${start + 1} ${name}: ${length} lines (at most ${MAX_FUNCTION_LINES})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
