/** Credentials per dbt-bigquery `method`, built without any request (no token exchange here). */
import { Impersonated, JWT, OAuth2Client } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import { createAuthClient, credentialSecrets } from '../../../adapters/bigquery/auth.js';

const KEY = { type: 'service_account', client_email: 'loader@p.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n', private_key_id: 'kid123' };

describe('BigQuery credentials', () => {
  it('uses a static oauth-secrets token as the bearer token, unchanged', async () => {
    const client = await createAuthClient({ method: 'oauth-secrets', token: 'ya29.static' }, 'p');
    expect(client).toBeInstanceOf(OAuth2Client);
    const headers = await client.getRequestHeaders();
    expect(headers.get('authorization')).toBe('Bearer ya29.static');
  });

  it('builds a service account client from keyfile_json, and impersonation around any source', async () => {
    const client = await createAuthClient({ method: 'service-account-json', keyfileJson: KEY }, 'p');
    expect(client).toBeInstanceOf(JWT);
    expect((client as JWT).email).toBe(KEY.client_email);
    const acting = await createAuthClient({ method: 'oauth-secrets', token: 't' }, 'p', 'target@p.iam.gserviceaccount.com');
    expect(acting).toBeInstanceOf(Impersonated);
  });

  it('lists the values that must be redacted', () => {
    expect(credentialSecrets({ method: 'service-account-json', keyfileJson: KEY })).toEqual([KEY.private_key, 'kid123']);
    expect(credentialSecrets({ method: 'oauth-secrets', token: 'a', refreshToken: 'b', clientSecret: 'c', clientId: 'id' })).toEqual(['a', 'b', 'c']);
    expect(credentialSecrets({ method: 'oauth' })).toEqual([]);
    expect(credentialSecrets({ method: 'service-account', keyfile: '/k.json' })).toEqual([]);
  });
});
