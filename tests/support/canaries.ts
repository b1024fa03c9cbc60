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
