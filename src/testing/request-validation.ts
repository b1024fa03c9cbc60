import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import spec from '../../generated/openapi.json';

/** The media types the OpenAPI document accepts for a revocation body. */
export type RevocationMediaType = 'application/json' | 'application/x-www-form-urlencoded';

const SPEC_ID = 'digilocker-revocation.json';

/**
 * Validators of the revocation request body, one per media type, compiled once from the OpenAPI
 * document bundled at build time (`generated/openapi.json`), so the mock accepts exactly what the spec
 * describes.
 */
export function createBodyValidators(): Map<string, ValidateFunction> {
  // strict: false lets ajv skip OpenAPI's own keywords (x-*, description of the document...).
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema(spec, SPEC_ID);
  const content = spec.paths['/oauth2/1/revoke'].post.requestBody.content;
  const validators = new Map<string, ValidateFunction>();
  for (const [mediaType, { schema }] of Object.entries(content)) {
    validators.set(mediaType, ajv.compile({ $ref: `${SPEC_ID}${schema.$ref}` }));
  }
  return validators;
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
