import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import spec from '../../generated/openapi.json';
import { REVOKE_PATH, TOKEN_PATH } from '../wire';

/** The operations whose request bodies the mock validates. */
export type ValidatedPath = typeof REVOKE_PATH | typeof TOKEN_PATH;

/** Validators of one operation's request body, by media type (lower case, without parameters). */
export type BodyValidators = Map<string, ValidateFunction>;

const SPEC_ID = 'digilocker-revocation.json';

interface SpecOperation {
  post: { requestBody: { content: Record<string, { schema: unknown }> } };
}

/**
 * Validators of the request bodies of the revoke and token operations, one per media type, compiled
 * once from the OpenAPI document bundled at build time (`generated/openapi.json`), so the mock accepts
 * exactly what the spec describes.
 */
export function createBodyValidators(): Record<ValidatedPath, BodyValidators> {
  // strict: false lets ajv skip OpenAPI's own keywords (x-*, description of the document...).
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema(spec, SPEC_ID);
  const paths = spec.paths as unknown as Record<ValidatedPath, SpecOperation>;
  const validatorsOf = (path: ValidatedPath): BodyValidators => {
    const validators: BodyValidators = new Map();
    for (const mediaType of Object.keys(paths[path].post.requestBody.content)) {
      // A JSON pointer to the media type's schema, inline or a $ref, which ajv resolves in the document.
      const pointer = ['paths', path, 'post', 'requestBody', 'content', mediaType, 'schema']
        .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
        .join('/');
      validators.set(mediaType, ajv.compile({ $ref: `${SPEC_ID}#/${pointer}` }));
    }
    return validators;
  };
  return { [REVOKE_PATH]: validatorsOf(REVOKE_PATH), [TOKEN_PATH]: validatorsOf(TOKEN_PATH) };
}

/** Ajv's errors as one readable sentence, e.g. "body/token_type_hint must be equal to one of the allowed values". */
export function describeValidationErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => {
      const where = `body${error.instancePath}`;
      if (error.keyword === 'enum') {
        return `${where} must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`;
      }
      return `${where} ${error.message ?? 'is invalid'}`;
    })
    .join('; ');
}
