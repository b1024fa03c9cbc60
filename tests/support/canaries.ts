// The forms in which a secret could leak, for the secrets suite (tests/secrets/): every encoding a
// server could echo a value back in, or a log could render it in. A test plants canary values, drives
// a path, collects everything reported, and asks `leaksIn` what it finds.
import { inspect } from 'node:util';

/** `application/x-www-form-urlencoded` of one value: space as `+`. */
export const formEncode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1);

/** The base64 part of the Basic header of these credentials (id and secret form-encoded first). */
export const basicOf = (id: string, secret: string): string =>
  Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64');

const lowerHex = (text: string) => text.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());

/**
 * Every form of `value` that must never be reported: as is; percent- and form-encoded, with upper- or
 * lower-case hex; base64 of its UTF-8 bytes; JSON-escaped.
 */
export function encodedForms(value: string): string[] {
  const percent = encodeURIComponent(value);
  const form = formEncode(value);
  const forms = [value, percent, lowerHex(percent), form, lowerHex(form)];
  forms.push(Buffer.from(value, 'utf8').toString('base64'), JSON.stringify(value).slice(1, -1));
  return [...new Set(forms)];
}

/** The leaks of any form of any of `values` in `texts`, each as `<form> in: <start of the text>`. */
export function leaksIn(texts: readonly string[], values: Iterable<string>): string[] {
  const forms = [...new Set([...values].flatMap(encodedForms))];
  const leaks = texts.flatMap((text) =>
    forms.filter((form) => text.includes(form)).map((form) => `${form} in: ${text.slice(0, 300)}`),
  );
  return [...new Set(leaks)];
}

/** The texts a value could reach a log as: an error's message and stack, its JSON and util.inspect. */
export function renderings(value: unknown): string[] {
  const texts = value instanceof Error ? [value.message, String(value.stack)] : [];
  texts.push(JSON.stringify(value) ?? String(value), inspect(value, { depth: 10 }));
  return texts;
}

/**
 * Each of `values` of which a run of `length` characters or more (in any case) is in `texts`, as
 * `<first such run> in: <around it>`: what a value only partly redacted, or cut short by a server,
 * leaves to be seen. As the CLI's fragments pass (src/cli/secret-echoes.ts) has it, a run of 12 is
 * too much of a secret to show.
 */
export function fragmentsIn(texts: readonly string[], values: Iterable<string>, length = 12): string[] {
  const folded = texts.map((text) => text.toLowerCase());
  const found: string[] = [];
  for (const value of new Set(values)) {
    const lower = value.toLowerCase();
    for (let at = 0; at + length <= lower.length; at++) {
      const run = lower.slice(at, at + length);
      const text = folded.find((candidate) => candidate.includes(run));
      if (text === undefined) continue;
      const where = text.indexOf(run);
      found.push(`${run} in: …${text.slice(Math.max(0, where - 60), where + 60)}…`);
      break;
    }
  }
  return found;
}
