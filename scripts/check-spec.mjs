#!/usr/bin/env node
// Compares openapi/digilocker-revocation.yaml with the published listing it starts from
// (openapi/reference/published-listing-revoke.yaml, an excerpt: the revoke operation, servers, info,
// tags and security schemes) and fails on every difference that is not marked.
//
// The marking convention (also stated in the document's info.description):
// - an object the listing does not have (a server, a media type, a response, a schema, a property, a
//   path...) carries `x-digilocker-addition: <one-line reason>`; a map whose entries all carry one (e.g.
//   components.schemas) needs none itself;
// - an object the listing has carries `x-digilocker-addition: { <field>: <one-line reason> }` naming each
//   of its own fields that is added, removed or changed (an array counts as one field: an extra
//   security requirement is a change of `security`). A named field that does not differ is an error too.
// $refs in our document are resolved first, so a component is compared where it is used.
//
// Usage: node scripts/check-spec.mjs [--spec file.yaml] [--listing listing.yaml] [--quiet]
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const LISTING = join(root, 'openapi/reference/published-listing-revoke.yaml');
const SPEC = join(root, 'openapi/digilocker-revocation.yaml');
/** Where the reference material of this project lives next to the repository, when it does. */
const SHARED_LISTING = join(root, '../shared/reference/published-listing-revoke.yaml');
const MARK = 'x-digilocker-addition';
const REVOKE = '/oauth2/1/revoke';

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isReason = (value) => typeof value === 'string' && value.trim() !== '' && !/[\r\n]/.test(value);
const at = (path, key) =>
  /^[A-Za-z_][\w-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/**
 * Every unmarked difference between the listing and our (dereferenced) document, and every mark.
 * @returns {{ problems: string[], marks: { path: string, reason: string }[] }}
 */
export function compareWithListing(listing, ours) {
  const problems = [];
  const marks = [];

  /** True when `value` is an addition marked as such (or a non-empty map of marked additions). */
  function isMarkedAddition(value, path) {
    if (!isObject(value)) return false;
    if (MARK in value) {
      const reason = value[MARK];
      if (!isReason(reason)) return false;
      marks.push({ path, reason });
      if (typeof value.description === 'string' && !value.description.startsWith('Addition:')) {
        problems.push(`${path}: an addition whose description does not start with "Addition:"`);
      }
      return true;
    }
    // A map of additions (components.schemas...): every entry carries a mark of its own.
    const entries = Object.entries(value);
    if (entries.length === 0 || !entries.every(([, entry]) => isObject(entry) && isReason(entry[MARK]))) {
      return false;
    }
    for (const [key, entry] of entries) isMarkedAddition(entry, at(path, key));
    return true;
  }

  function compareObjects(theirs, mine, path) {
    const mark = mine[MARK];
    let fieldMarks = {};
    if (typeof mark === 'string') {
      problems.push(`${path}: marked as an addition, but the listing has it: mark the fields that differ`);
    } else if (isObject(mark)) {
      fieldMarks = mark;
    } else if (mark !== undefined) {
      problems.push(`${path}.${MARK}: must be a one-line reason or a map of field -> one-line reason`);
    }
    const keys = new Set([...Object.keys(theirs), ...Object.keys(mine)]);
    keys.delete(MARK);
    for (const key of keys) {
      const where = at(path, key);
      let difference;
      if (!(key in theirs)) {
        difference = isMarkedAddition(mine[key], where) ? undefined : 'added';
      } else if (!(key in mine)) {
        difference = 'removed';
      } else if (isObject(theirs[key]) && isObject(mine[key])) {
        compareObjects(theirs[key], mine[key], where);
      } else if (Array.isArray(theirs[key]) && Array.isArray(mine[key])) {
        difference = compareArrays(theirs[key], mine[key], where) ? 'changed' : undefined;
      } else if (!isDeepStrictEqual(theirs[key], mine[key])) {
        difference = 'changed';
      }
      const reason = fieldMarks[key];
      if (reason !== undefined && !isReason(reason)) {
        problems.push(`${at(at(path, MARK), key)}: the reason must be one non-empty line`);
      } else if (difference && reason === undefined) {
        const was = key in theirs ? ` (listing: ${JSON.stringify(theirs[key])})` : '';
        problems.push(`${where}: ${difference} without a mark${difference === 'changed' ? was : ''}`);
      } else if (!difference && reason !== undefined) {
        problems.push(`${at(at(path, MARK), key)}: marks a field that does not differ from the listing`);
      } else if (difference) {
        marks.push({ path: where, reason });
      }
    }
    for (const key of Object.keys(fieldMarks)) {
      if (!keys.has(key)) problems.push(`${at(at(path, MARK), key)}: marks a field that is not there`);
    }
  }

  /** Compares item by item; returns true when the array itself differs (an item added, removed or changed). */
  function compareArrays(theirs, mine, path) {
    let differs = false;
    for (let i = 0; i < Math.max(theirs.length, mine.length); i++) {
      const where = `${path}[${i}]`;
      if (i >= theirs.length) {
        if (!isMarkedAddition(mine[i], where)) differs = true;
      } else if (i >= mine.length) {
        differs = true;
      } else if (isObject(theirs[i]) && isObject(mine[i])) {
        compareObjects(theirs[i], mine[i], where);
      } else if (!isDeepStrictEqual(theirs[i], mine[i])) {
        differs = true;
      }
    }
    return differs;
  }

  compareObjects(listing, ours, '#');

  // The form body must keep the JSON body's schema: with a schema of its own, openapi-generator's
  // default skipFormModel leaves out a model it still imports, and generated clients do not compile.
  const content = ours.paths?.[REVOKE]?.post?.requestBody?.content ?? {};
  const json = content['application/json']?.schema;
  const form = content['application/x-www-form-urlencoded']?.schema;
  if (form && !isDeepStrictEqual(json, form)) {
    problems.push(
      `#.paths["${REVOKE}"].post.requestBody.content: the form body's schema must be identical to the JSON body's (openapi-generator issue #24727)`,
    );
  }
  return { problems, marks };
}

/** Checks a document file against a listing file; returns the comparison. */
export async function checkSpec({ spec = SPEC, listing = LISTING } = {}) {
  const theirs = await SwaggerParser.parse(listing);
  const ours = await SwaggerParser.dereference(spec);
  return compareWithListing(theirs, ours);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argument = (name) => {
    const index = process.argv.indexOf(name);
    return index > 0 ? resolve(process.argv[index + 1]) : undefined;
  };
  const spec = argument('--spec') ?? SPEC;
  const listing = argument('--listing') ?? LISTING;
  if (listing === LISTING && existsSync(SHARED_LISTING)) {
    if (readFileSync(SHARED_LISTING, 'utf8') !== readFileSync(LISTING, 'utf8')) {
      console.error(`${relative(root, LISTING)} is not a copy of ${SHARED_LISTING}`);
      process.exit(1);
    }
  }
  const { problems, marks } = await checkSpec({ spec, listing });
  const name = relative(root, spec);
  if (problems.length > 0) {
    console.error(`${name} departs from the listing (${relative(root, listing)}) without a mark:`);
    for (const problem of problems) console.error(`  ${problem}`);
    console.error(`\nRestore the listing's value, or mark the change with ${MARK} and a one-line reason.`);
    process.exitCode = 1;
  } else {
    console.log(`${name}: every departure from the listing is marked (${marks.length} marks).`);
    if (!process.argv.includes('--quiet')) {
      for (const { path, reason } of marks) console.log(`  ${path}: ${reason}`);
    }
  }
}
