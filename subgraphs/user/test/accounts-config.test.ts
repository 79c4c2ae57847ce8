/** The user service's configuration: required Cognito settings and the defaults. */
import { ConfigError } from '../../../common/config';
import { loadUserConfig } from '../src/config';

const base = {
  INTERNAL_IDENTITY_SECRET: 'x'.repeat(32),
  DATABASE_URL: 'postgres://store@127.0.0.1:5432/store',
  COGNITO_USER_POOL_ID: 'eu-west-2_AbC123xyZ',
  COGNITO_CLIENT_ID: 'abc123',
};

describe('user service configuration', () => {
  it('defaults the port, the region (from the pool id) and the sign-in limit', () => {
    expect(loadUserConfig(base)).toMatchObject({
      port: 4003,
      region: 'eu-west-2',
      cognitoEndpoint: undefined,
      autoConfirm: false,
      redisUrl: undefined,
      signInLimit: 5,
      signInLimitPerIp: 50,
      signInWindowSeconds: 300,
    });
  });

  it('takes AWS_REGION, the emulator endpoint and auto-confirm when given', () => {
    expect(
      loadUserConfig({
        ...base,
        AWS_REGION: 'us-east-1',
        COGNITO_ENDPOINT: 'http://127.0.0.1:9229',
        COGNITO_AUTO_CONFIRM: 'true',
      }),
    ).toMatchObject({
      region: 'us-east-1',
      cognitoEndpoint: 'http://127.0.0.1:9229',
      autoConfirm: true,
    });
  });

  it.each([
    ['COGNITO_USER_POOL_ID', { COGNITO_USER_POOL_ID: undefined }],
    ['COGNITO_CLIENT_ID', { COGNITO_CLIENT_ID: undefined }],
    ['COGNITO_USER_POOL_ID', { COGNITO_USER_POOL_ID: 'not-a-pool' }],
    ['COGNITO_ENDPOINT', { COGNITO_ENDPOINT: 'localhost:9229' }],
    ['SIGN_IN_LIMIT', { SIGN_IN_LIMIT: '0' }],
  ])('refuses a missing or malformed %s', (variable, change) => {
    expect(() => loadUserConfig({ ...base, ...change })).toThrow(ConfigError);
    try {
      loadUserConfig({ ...base, ...change });
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
    }
  });
});
