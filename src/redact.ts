/** What stands in for a secret wherever text might have carried one. */
export const REDACTED = '[REDACTED]';

/**
 * Returns a function that replaces every occurrence of the given secrets in a text, in every form a
 * server could echo them: as given; percent-encoded and form-encoded, with upper- or lower-case hex;
 * base64 (of the UTF-8 bytes); and JSON-escaped (`"` and `\` escaped, and with `/` and non-ASCII escaped
 * as PHP's `json_encode` does). Used on text from the server before it is stored in an error, and on
 * everything the CLI prints.
 */
export function createRedactor(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret) for (const form of encodedForms(secret)) forms.add(form);
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

/** The forms in which `secret` may come back. */
function encodedForms(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams([['', secret]]).toString().slice(1);
  const json = JSON.stringify(secret).slice(1, -1);
  const phpJson = json.replace(/\//g, '\\/').replace(/[\u0080-\uffff]/g, unicodeEscape);
  return [secret, percent, lowerHex(percent), form, lowerHex(form), base64(secret), json, phpJson];
}

function lowerHex(encoded: string): string {
  return encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
}

function unicodeEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Standard base64 of the UTF-8 bytes. */
function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
