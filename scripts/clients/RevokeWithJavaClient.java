// Revokes a token on the mock DigiLocker with the Java client that openapi-generator's `java` generator
// (default library) makes from openapi/digilocker-revocation.yaml, used as the published reference's
// example uses it (openapi/reference/TokenRevocationApiApi.md), with a bearer token from the token
// endpoint. Run by scripts/check-clients.mjs, which starts the mock and checks with it that the token
// is revoked. Inputs come from the environment; no token or secret is ever printed.
import org.openapitools.client.ApiClient;
import org.openapitools.client.ApiException;
import org.openapitools.client.Configuration;
import org.openapitools.client.api.ClientCredentialsTokenApi;
import org.openapitools.client.api.TokenRevocationApiApi;
import org.openapitools.client.auth.HttpBasicAuth;
import org.openapitools.client.auth.OAuth;
import org.openapitools.client.model.GetTokenRevocationIdRequest;
import org.openapitools.client.model.TokenResponse;

public class RevokeWithJavaClient {
  public static void main(String[] args) {
    String basePath = env("DIGILOCKER_BASE_URL");
    try {
      // The bearer token, from the token endpoint with the generated ClientCredentialsTokenApi
      // (client_secret_basic), on a client of its own so that the revoke request carries Bearer only.
      ApiClient tokenClient = new ApiClient();
      tokenClient.setBasePath(basePath);
      HttpBasicAuth basicAuth = (HttpBasicAuth) tokenClient.getAuthentication("basicAuth");
      basicAuth.setUsername(env("DIGILOCKER_CLIENT_ID"));
      basicAuth.setPassword(env("DIGILOCKER_CLIENT_SECRET"));
      TokenResponse grant =
          new ClientCredentialsTokenApi(tokenClient).requestClientCredentialsToken("client_credentials", "default", null, null);
      if (!"Bearer".equals(grant.getTokenType())) fail("the token endpoint answered token_type " + grant.getTokenType());
      System.out.println("java: requestClientCredentialsToken returned a Bearer token (expires_in " + grant.getExpiresIn() + ")");

      // As the reference's example does it.
      ApiClient defaultClient = Configuration.getDefaultApiClient();
      defaultClient.setBasePath(basePath);
      OAuth oauthsecurity = (OAuth) defaultClient.getAuthentication("oauthsecurity");
      oauthsecurity.setAccessToken(grant.getAccessToken());
      TokenRevocationApiApi apiInstance = new TokenRevocationApiApi(defaultClient);
      GetTokenRevocationIdRequest getTokenRevocationIdRequest = new GetTokenRevocationIdRequest();
      getTokenRevocationIdRequest.setToken(env("TOKEN_TO_REVOKE"));
      getTokenRevocationIdRequest.setTokenTypeHint(GetTokenRevocationIdRequest.TokenTypeHintEnum.ACCESS_TOKEN);
      apiInstance.getTokenRevocationId(getTokenRevocationIdRequest);
      System.out.println("java: getTokenRevocationId returned normally (200)");

      // The same token again: no longer valid, so DigiLocker's 400 becomes an ApiException.
      try {
        apiInstance.getTokenRevocationId(getTokenRevocationIdRequest);
        fail("revoking the token a second time did not throw");
      } catch (ApiException e) {
        if (e.getCode() != 400) fail("revoking the token a second time: ApiException " + e.getCode() + ", not 400");
        System.out.println("java: revoking it again threw ApiException 400");
      }
    } catch (ApiException e) {
      // Code 0: no HTTP answer (an I/O error), whose message names no secret.
      fail("ApiException " + e.getCode() + (e.getCode() == 0 ? " (" + e.getMessage() + ")" : ""));
    } catch (RuntimeException e) {
      fail(e.getClass().getName());
    }
  }

  private static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) fail(name + " is not set");
    return value;
  }

  private static void fail(String message) {
    System.err.println("java: FAILED: " + message);
    System.exit(1);
  }
}
