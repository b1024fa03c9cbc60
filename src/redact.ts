/** What stands in for a secret wherever text might have carried one. */
export const REDACTED = '[REDACTED]';

/**
 * Returns a function that replaces every occurrence of the given secrets in a text, in the forms a
 * server could echo them: as given, percent-encoded and form-encoded. Used on text that comes from the
 * server (error descriptions) before it is stored in an error.
 */
export function createRedactor(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams([['', secret]]).toString().slice(1));
  }
  // Longest first, so that a secret containing another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => {
    let result = text;
    for (const form of ordered) {
      if (result.includes(form)) result = result.split(form).join(REDACTED);
    }
    return result;
  };
}
