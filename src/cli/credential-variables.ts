import { isInputError } from '../index';
import { assertBearerToken, assertPlainCredential } from '../validate';
import { UsageError } from './exit-codes';

/** The environment variables the CLI reads its credentials from. */
export type CredentialVariable =
  | 'DIGILOCKER_CLIENT_ID'
  | 'DIGILOCKER_CLIENT_SECRET'
  | 'DIGILOCKER_ACCESS_TOKEN';

/**
 * The value of a credential variable, checked in the CLI's words: a problem names the variable the
 * user set (the client would name its own option, `credentials.clientSecret`, which the user never
 * wrote), says what is wrong and how to fix it, and never quotes the value. Undefined when unset or
 * empty (the caller says which variables to set).
 *
 * Whitespace at either end is refused too, although the client sends an id or secret as it is: such a
 * value is a copy-paste or file slip (`X=$(cat secret.txt)` of a file saved on Windows keeps its CR),
 * and DigiLocker would answer `invalid_client`, which stops the run or pauses the whole outbox queue
 * for those credentials, with no hint of the stray character. The client refuses the same in a token
 * and in a bearer access token (validate.ts).
 * @throws {UsageError} naming `name`.
 */
export function credentialFrom(env: NodeJS.ProcessEnv, name: CredentialVariable): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  if (/\r\n?$/.test(value))
    throw new UsageError(
      `${name} ends with a carriage return, a Windows line ending (read from a file saved on Windows?): ` +
        `remove it, e.g. ${name}="$(tr -d '\\r\\n' < file)"`,
    );
  if (value.endsWith('\n'))
    throw new UsageError(`${name} ends with a newline: remove the trailing line break`);
  if (/^\s|\s$/.test(value))
    throw new UsageError(
      `${name} starts or ends with whitespace (a copy-paste slip?): remove it, ` +
        'as DigiLocker would refuse the credential',
    );
  try {
    // The client's own checks (control characters, length; for a bearer token, what a header carries),
    // under the variable's name: the same rule, said of what the user set.
    if (name === 'DIGILOCKER_ACCESS_TOKEN') assertBearerToken(name, value);
    else assertPlainCredential(name, value);
  } catch (error) {
    if (isInputError(error)) throw new UsageError(`${error.message}: check how it is set`);
    throw error;
  }
  return value;
}
