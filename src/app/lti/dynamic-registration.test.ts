import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/core/errors.js';
import { checkPlatformConfiguration } from './dynamic-registration.js';
import { platformUrl } from './platform-http.js';
import { deploymentIdOf, toolRegistrationRequest } from './tool.js';

const from = new URL('https://lms.example.edu/.well-known/openid-configuration');
const config = {
  issuer: 'https://lms.example.edu', authorization_endpoint: 'https://lms.example.edu/auth', token_endpoint: 'https://lms.example.edu/token',
  jwks_uri: 'https://keys.example.edu/jwks', registration_endpoint: 'https://lms.example.edu/register', id_token_signing_alg_values_supported: ['RS256', 'ES256'],
  'https://purl.imsglobal.org/spec/lti-platform-configuration': { product_family_code: 'moodle', version: '4.3' },
};
const refusal = (json: Record<string, unknown>) => {
  try {
    checkPlatformConfiguration(json, from);
  } catch (e) {
    if (e instanceof ValidationError) return { message: e.message, field: e.details.field };
    throw e;
  }
  return null;
};

describe("when we check a platform's OpenID configuration", () => {
  it('takes a complete one, keeping its URLs as written', () => {
    expect(checkPlatformConfiguration(config, from)).toMatchObject({
      issuer: 'https://lms.example.edu', authUrl: 'https://lms.example.edu/auth', tokenUrl: 'https://lms.example.edu/token', jwksUrl: 'https://keys.example.edu/jwks', productFamily: 'moodle',
    });
  });

  it('refuses an issuer on another origin than the configuration came from', () => {
    expect(refusal({ ...config, issuer: 'https://other.example.edu' })).toMatchObject({ field: 'issuer' });
    expect(refusal({ ...config, issuer: 'https://lms.example.edu:8443' })).toMatchObject({ field: 'issuer' });
  });

  it('refuses one without RS256, without the LTI platform configuration, or with an endpoint missing or in the clear', () => {
    expect(refusal({ ...config, id_token_signing_alg_values_supported: ['HS256'] })).toMatchObject({ field: 'id_token_signing_alg_values_supported' });
    expect(refusal({ ...config, 'https://purl.imsglobal.org/spec/lti-platform-configuration': undefined })?.message).toContain('not an LTI platform');
    expect(refusal({ ...config, registration_endpoint: undefined })).toMatchObject({ field: 'registration_endpoint' });
    expect(refusal({ ...config, token_endpoint: 'http://lms.example.edu/token' })).toMatchObject({ field: 'token_endpoint' });
  });
});

describe('when a platform URL is checked before we call it', () => {
  it('takes https and loopback http, and refuses plain http elsewhere, credentials and non-URLs', () => {
    expect(platformUrl('https://lms.example.edu/x', 'u').host).toBe('lms.example.edu');
    for (const ok of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://[::1]:3000/x']) expect(() => platformUrl(ok, 'u')).not.toThrow();
    for (const bad of ['http://lms.example.edu/x', 'https://a:b@lms.example.edu/', 'ftp://lms.example.edu/', 'lms', '']) expect(() => platformUrl(bad, 'u')).toThrow(ValidationError);
  });
});

describe('our client registration', () => {
  it('names our endpoints under the public URL, on one domain, and reads the deployment from the answer', () => {
    const body = toolRegistrationRequest('https://proctor.example.org/');
    expect(body).toMatchObject({ initiate_login_uri: 'https://proctor.example.org/lti/login', redirect_uris: ['https://proctor.example.org/lti/launch'], jwks_uri: 'https://proctor.example.org/.well-known/jwks.json' });
    expect((body['https://purl.imsglobal.org/spec/lti-tool-configuration'] as { domain: string }).domain).toBe('proctor.example.org');
    expect(deploymentIdOf({ 'https://purl.imsglobal.org/spec/lti-tool-configuration': { deployment_id: ' 7 ' } })).toBe('7');
    expect(deploymentIdOf({})).toBeNull();
  });
});
