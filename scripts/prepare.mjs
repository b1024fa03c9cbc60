#!/usr/bin/env node
// npm runs `prepare` in three situations:
// - `npm install` / `npm ci` in this repository: nothing to do (`npm run build` builds when you want,
//   and CI builds as a step of its own);
// - `npm pack` / `npm publish`: the tarball must hold a fresh dist/;
// - a consumer installs the package from a git URL: npm clones it, installs its devDependencies,
//   runs `prepare` and packs the result, so dist/ must be built here.
// npm sets INIT_CWD to the directory the npm command was started in: only in the first case is that
// this package's own directory (or one below it) with an install command.
import { execFileSync } from 'node:child_process';
import { isAbsolute, relative } from 'node:path';

const fromHere = relative(process.cwd(), process.env.INIT_CWD ?? '/');
const startedHere = !fromHere.startsWith('..') && !isAbsolute(fromHere);
const ownInstall = startedHere && ['install', 'ci'].includes(process.env.npm_command ?? '');
if (ownInstall) {
  console.log('prepare: not building on an install of this repository itself (`npm run build` builds).');
} else {
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
}
