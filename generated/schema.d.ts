/**
 * Generated from openapi/digilocker-revocation.yaml by `npm run generate`. Do not edit by hand.
 */

export interface paths {
    "/oauth2/1/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke Token.
         * @description Client applications can revoke a previously obtained refresh or access token when it is no longer needed. This is done by making a request to the token revocation endpoint. DigiLocker will invalidate the specified token and, if applicable, other tokens based on the same authorisation grant. This API may be used to sign out a user from DigiLocker. This API will work for server based web applications, mobile application and limited input devices.
         */
        post: operations["getTokenRevocationId"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/oauth2/1/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Addition: Get an access token (client-credentials grant).
         * @description Addition: the token endpoint of the oauthsecurity scheme (RFC 6749 section 4.4): the client authenticates with client_secret_basic or client_secret_post and receives a Bearer access token for the revoke operation.
         */
        post: operations["requestClientCredentialsToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Addition: the OAuth-style error body that DigiLocker's other partner endpoints answer with. The listing's 400 shows no body. */
        OAuthError: {
            /** @description A machine-readable error code, e.g. invalid_token, invalid_request, invalid_client. */
            error?: string;
            /** @description A human-readable description of the error. */
            error_description?: string;
        };
        /** @description Addition: the form body of a client-credentials grant request (RFC 6749 section 4.4.2). */
        TokenRequest: {
            /** @description The client identifier, when the client authenticates with client_secret_post. */
            client_id?: string;
            /** @description The client secret, when the client authenticates with client_secret_post. */
            client_secret?: string;
            /**
             * @description Always client_credentials.
             * @enum {string}
             */
            grant_type: "client_credentials";
            /** @description The scope asked for; the listing's only scope is default. */
            scope?: string;
        };
        /** @description Addition: a successful client-credentials grant (RFC 6749 section 5.1). */
        TokenResponse: {
            /** @description The access token, for the oauthsecurity scheme (Authorization Bearer). */
            access_token: string;
            /** @description Lifetime of the access token in seconds (3600 in DigiLocker's documentation). */
            expires_in?: number;
            /** @description The scope granted. */
            scope?: string;
            /** @description Bearer. */
            token_type: string;
        } & {
            [key: string]: unknown;
        };
    };
    responses: {
        /** @description Addition: client authentication failed (invalid_client). */
        InvalidClient: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["OAuthError"];
            };
        };
        /** @description Addition: too many requests; wait for Retry-After before trying again. */
        RateLimited: {
            headers: {
                /** @description Seconds to wait (delta-seconds) or an HTTP-date after which to try again. */
                "Retry-After"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["OAuthError"];
            };
        };
        /** @description Addition: an unexpected error on DigiLocker's side. */
        ServerError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["OAuthError"];
            };
        };
        /** @description Addition: the service is temporarily unavailable or timed out upstream. */
        ServiceUnavailable: {
            headers: {
                /** @description Seconds to wait (delta-seconds) or an HTTP-date after which to try again. */
                "Retry-After"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["OAuthError"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getTokenRevocationId: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description Addition: the client identifier, when the client authenticates with client_secret_post (form body). */
                    client_id?: string;
                    /** @description Addition: the client secret, when the client authenticates with client_secret_post (form body). */
                    client_secret?: string;
                    /** @description The token that needs to be revoked. */
                    token: string;
                    /**
                     * @description The type of the above token. The value will be one of access_token or refresh_token. If this parameter is not sent, DigiLocker will look for this token in both access and refresh tokens and then revoke it.
                     * @enum {string}
                     */
                    token_type_hint?: "refresh_token" | "access_token";
                };
                "application/x-www-form-urlencoded": {
                    /** @description Addition: the client identifier, when the client authenticates with client_secret_post (form body). */
                    client_id?: string;
                    /** @description Addition: the client secret, when the client authenticates with client_secret_post (form body). */
                    client_secret?: string;
                    /** @description The token that needs to be revoked. */
                    token: string;
                    /**
                     * @description The type of the above token. The value will be one of access_token or refresh_token. If this parameter is not sent, DigiLocker will look for this token in both access and refresh tokens and then revoke it.
                     * @enum {string}
                     */
                    token_type_hint?: "refresh_token" | "access_token";
                };
            };
        };
        responses: {
            /** @description successful operation */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The token is invalid */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            401: components["responses"]["InvalidClient"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["ServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    requestClientCredentialsToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": components["schemas"]["TokenRequest"];
            };
        };
        responses: {
            /** @description Addition: the access token. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description Addition: a malformed request (invalid_request) or a grant type other than client_credentials (unsupported_grant_type). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            401: components["responses"]["InvalidClient"];
        };
    };
}
