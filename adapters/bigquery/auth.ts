/**
 * Credentials per dbt-bigquery `method`, as google-auth-library clients handed to the SDK:
 * - oauth: application default credentials (GOOGLE_APPLICATION_CREDENTIALS, or
 *   `gcloud auth application-default login`, or the metadata server on GCP);
 * - service-account: the key file at `keyfile`;
 * - service-account-json: the key itself (`keyfile_json`);
 * - oauth-secrets: a ready access `token`, or `refresh_token` + `client_id` + `client_secret`
 *   (+ `token_uri`) from which access tokens are minted.
 * `impersonate_service_account` wraps any of them: the source credentials mint short-lived
 * tokens for the target service account.
 *
 * google-auth-library is the SDK's own dependency (one copy in node_modules); nothing here reads
 * or prints a secret beyond handing it to that library.
 */
import { GoogleAuth, Impersonated, OAuth2Client } from 'google-auth-library';
import type { AuthClient } from 'google-auth-library';
import type { BigQueryCredentials } from '../../src/config/bigquery-settings.js';

export const BIGQUERY_SCOPES = ['https://www.googleapis.com/auth/bigquery', 'https://www.googleapis.com/auth/cloud-platform'];
const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** The credential values that must never be printed. */
export function credentialSecrets(credentials: BigQueryCredentials): string[] {
  switch (credentials.method) {
    case 'service-account-json': {
      const key = credentials.keyfileJson;
      return ['private_key', 'private_key_id'].map((name) => key[name]).filter((value): value is string => typeof value === 'string');
    }
    case 'oauth-secrets':
      return [credentials.token, credentials.refreshToken, credentials.clientSecret].filter((value): value is string => typeof value === 'string');
    default:
      return [];
  }
}

async function sourceClient(credentials: BigQueryCredentials, projectId: string): Promise<AuthClient> {
  switch (credentials.method) {
    case 'oauth':
      return new GoogleAuth({ scopes: BIGQUERY_SCOPES, projectId }).getClient();
    case 'service-account':
      return new GoogleAuth({ keyFilename: credentials.keyfile, scopes: BIGQUERY_SCOPES, projectId }).getClient();
    case 'service-account-json':
      return new GoogleAuth({ credentials: credentials.keyfileJson, scopes: BIGQUERY_SCOPES, projectId }).getClient();
    case 'oauth-secrets': {
      const tokenUri = credentials.tokenUri ?? GOOGLE_TOKEN_URI;
      const client = new OAuth2Client({
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        ...(tokenUri !== GOOGLE_TOKEN_URI ? { endpoints: { oauth2TokenUrl: tokenUri } } : {}),
      });
      // A bare token has no expiry the library knows of: it is used until BigQuery refuses it.
      client.setCredentials({
        ...(credentials.token !== undefined ? { access_token: credentials.token } : {}),
        ...(credentials.refreshToken !== undefined ? { refresh_token: credentials.refreshToken } : {}),
      });
      return client;
    }
  }
}

/** The auth client for a profile; `impersonate` names the service account to act as, if any. */
export async function createAuthClient(credentials: BigQueryCredentials, projectId: string, impersonate?: string): Promise<AuthClient> {
  const source = await sourceClient(credentials, projectId);
  if (impersonate === undefined) return source;
  return new Impersonated({ sourceClient: source, targetPrincipal: impersonate, targetScopes: BIGQUERY_SCOPES, lifetime: 3600 });
}
