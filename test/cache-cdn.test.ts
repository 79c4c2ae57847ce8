/**
 * The CloudFront policies in deploy/cloudfront agree with the gateway: the cache key holds every
 * request parameter the response cache keys on and the caller's token (so no answer to one token
 * is served to another caller), and the origin gets every header a client sends.
 */
import { readFileSync } from 'node:fs';
import { projectPath } from '../common/paths';
import { CORS_REQUEST_HEADERS } from '../gateway/src/cors';

interface Items {
  Quantity: number;
  Items: string[];
}

const read = <T>(name: string) =>
  JSON.parse(readFileSync(projectPath('deploy', 'cloudfront', name), 'utf8')) as T;

const cache = read<{
  CachePolicyConfig: {
    MinTTL: number;
    DefaultTTL: number;
    ParametersInCacheKeyAndForwardedToOrigin: {
      HeadersConfig: { HeaderBehavior: string; Headers: Items };
      CookiesConfig: { CookieBehavior: string };
      QueryStringsConfig: { QueryStringBehavior: string; QueryStrings: Items };
    };
  };
}>('cache-policy.json').CachePolicyConfig;
const origin = read<{
  OriginRequestPolicyConfig: { HeadersConfig: { Headers: Items } };
}>('origin-request-policy.json').OriginRequestPolicyConfig;

const key = cache.ParametersInCacheKeyAndForwardedToOrigin;
const lower = (items: Items) => items.Items.map((h) => h.toLowerCase());

describe('the CloudFront policies for GET /graphql', () => {
  it('key on the document, its variables and the caller’s token, and on no cookie', () => {
    expect(key.QueryStringsConfig.QueryStringBehavior).toBe('whitelist');
    expect([...key.QueryStringsConfig.QueryStrings.Items].sort()).toEqual(
      ['documentId', 'extensions', 'operationName', 'variables'].sort(),
    );
    expect(lower(key.HeadersConfig.Headers)).toEqual(['authorization']);
    expect(key.CookiesConfig.CookieBehavior).toBe('none');
    // Nothing is kept that the gateway did not say may be kept.
    expect(cache.DefaultTTL).toBe(0);
    expect(cache.MinTTL).toBe(0);
  });

  it('forward every header a client sends', () => {
    const forwarded = new Set([
      ...lower(key.HeadersConfig.Headers),
      ...lower(origin.HeadersConfig.Headers),
    ]);
    for (const header of CORS_REQUEST_HEADERS.filter((h) => h !== 'x-apollo-operation-id'))
      expect(forwarded).toContain(header);
  });

  it('count their lists right', () => {
    for (const items of [
      key.HeadersConfig.Headers,
      key.QueryStringsConfig.QueryStrings,
      origin.HeadersConfig.Headers,
    ])
      expect(items.Quantity).toBe(items.Items.length);
  });
});
