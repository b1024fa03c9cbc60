// The core reads in one sitting: no file of src/ (top level) or src/node over 300 lines, no function
// over 60 lines. Declarative tables (object and array literals) do not count as functions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;
const directories = ['src', 'src/node'];
const problems = [];

for (const directory of directories) {
  for (const name of readdirSync(directory).filter((file) => file.endsWith('.ts'))) {
    const path = join(directory, name);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n').length;
    if (lines > MAX_FILE_LINES) problems.push(`${path}: ${lines} lines (at most ${MAX_FILE_LINES})`);
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const length = end - start + 1;
        const name = node.name?.getText(source) ?? '(anonymous)';
        if (length > MAX_FUNCTION_LINES)
          problems.push(`${path}:${start + 1} ${name}: ${length} lines (at most ${MAX_FUNCTION_LINES})`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
}
if (problems.length > 0) {
  console.error(`The core has grown past its shape:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(
  `core shape: every file of ${directories.join(', ')} within ${MAX_FILE_LINES} lines, every function within ${MAX_FUNCTION_LINES}.`,
);
