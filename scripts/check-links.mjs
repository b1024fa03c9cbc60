// `npm run check:links`: every relative link of the documentation resolves. Checks README.md,
// ARCHITECTURE.md, CHANGELOG.md and docs/*.md (docs/api/ is TypeDoc's output, not ours): a link to a
// file or folder must name one that exists, and a `#anchor` must be a heading of the page it points
// to (GitHub's slugs). Links in code blocks and inline code, and absolute URLs, are left alone.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The anchors of each page checked so far. */
const anchorCache = new Map();

const pages = ['README.md', 'ARCHITECTURE.md', 'CHANGELOG.md', ...markdownIn('docs')].filter((page) =>
  existsSync(join(root, page)),
);

const problems = [];
for (const page of pages) {
  for (const { target, line } of linksOf(page)) {
    const problem = checkLink(page, target);
    if (problem) problems.push(`${page}:${line}: ${target}: ${problem}`);
  }
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`${problems.length} broken link(s)`);
  process.exit(1);
}
console.log(`check:links: every relative link of ${pages.length} pages resolves`);

/** The Markdown files of a folder of the repository (not its subfolders). */
function markdownIn(folder) {
  const path = join(root, folder);
  if (!existsSync(path)) return [];
  return readdirSync(path)
    .filter((name) => name.endsWith('.md'))
    .map((name) => `${folder}/${name}`);
}

/** Why a link does not resolve, or undefined. */
function checkLink(page, target) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:, ...
  const [pathPart, anchor] = splitAnchor(target);
  const file = pathPart === '' ? page : relative(root, resolve(root, dirname(page), decodeURI(pathPart)));
  if (!existsSync(join(root, file))) return `no such file (${file})`;
  if (anchor === undefined) return undefined;
  if (!file.endsWith('.md') || statSync(join(root, file)).isDirectory()) return undefined;
  return anchorsOf(file).has(anchor) ? undefined : `no heading for #${anchor} in ${file}`;
}

function splitAnchor(target) {
  const hash = target.indexOf('#');
  return hash === -1 ? [target, undefined] : [target.slice(0, hash), target.slice(hash + 1)];
}

/** The inline links and images of a page outside code, with their line numbers. */
function linksOf(page) {
  const links = [];
  for (const { text, line } of proseLines(page)) {
    const prose = text.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ target: match[1], line });
    }
  }
  return links;
}

/** The lines of a page that are not inside a fenced code block. */
function proseLines(page) {
  const lines = readFileSync(join(root, page), 'utf8').split('\n');
  const prose = [];
  let fence;
  for (const [index, text] of lines.entries()) {
    const opening = /^\s*(```+|~~~+)/.exec(text);
    if (opening) {
      if (fence === undefined) fence = opening[1];
      else if (text.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence === undefined) prose.push({ text, line: index + 1 });
  }
  return prose;
}

/** The anchors GitHub gives the headings of a page: its slugs, `-1`, `-2`... for repeats. */
function anchorsOf(page) {
  if (!anchorCache.has(page)) {
    const anchors = new Set();
    const seen = new Map();
    for (const { text } of proseLines(page)) {
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
      if (!heading) continue;
      const slug = slugOf(heading[1]);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    anchorCache.set(page, anchors);
  }
  return anchorCache.get(page);
}

/** GitHub's slug of a heading: lower case, link targets dropped, punctuation gone, spaces as hyphens. */
function slugOf(heading) {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
