/**
 * AssumeRoleWithWebIdentity's authentication: verifying an OpenID Connect ID token (a JWT) against
 * the IAM OIDC provider its issuer names in the role's account (STS API Reference,
 * AssumeRoleWithWebIdentity; IAM User Guide, "OIDC federation", "Available keys for AWS web identity
 * federation").
 *
 * Checks, in this order (the first failure answers):
 * 1. The token is a compact JWS whose payload is a JSON claims set, else InvalidIdentityToken.
 * 2. The role ARN names an account (the provider is looked up there); a RoleArn naming none is
 *    answered like a role the trust policy does not allow: AccessDenied
 *    "Not authorized to perform sts:AssumeRoleWithWebIdentity".
 * 3. `iss` names an IAM OIDC provider of that account (`https://` + the provider's URL, exactly),
 *    else InvalidIdentityToken "No OpenIDConnect provider found in your account for <iss>".
 * 4. The provider's signing keys: AWS fetches them from the IdP's `jwks_uri`; when it cannot, it
 *    answers InvalidIdentityToken "Couldn't retrieve verification key from your identity provider,
 *    please reference AssumeRoleWithWebIdentity documentation for requirements" (two spaces after
 *    the comma, as AWS writes it). Nimbus answers the same when no keys are registered.
 * 5. The signature, with a registered key matching the header's `kid` (any key when there is no
 *    `kid`) and an algorithm AWS accepts (RS256/384/512, ES256/384/512: the API reference); `none`,
 *    HMAC and a signature that does not verify are InvalidIdentityToken.
 * 6. `aud` (a string or an array): one value must be in the provider's ClientIDList, else
 *    InvalidIdentityToken "Incorrect token audience".
 * 7. `exp` is required; at or after it: ExpiredTokenException "Token expired: current date/time
 *    <now> must be before the expiration date/time <exp>" (epoch seconds). A token not yet valid
 *    (`nbf` in the future) is InvalidIdentityToken.
 *
 * The caller is then a `web-identity` principal: its provider is the IAM provider ARN (what a trust
 * policy's `"Principal": {"Federated": ...}` names) and its claims become context keys prefixed
 * with the provider's URL without the scheme (lower-cased): `<url>:sub`; `<url>:aud` = `azp` when the
 * token has one, else the audience that matched the ClientIDList; `<url>:oaud` = the token's `aud`;
 * `<url>:amr` (multivalued) when the token has `amr`. The authorizer evaluates the role's trust policy
 * with them. A `https://aws.amazon.com/source_identity` claim becomes `sts:SourceIdentity` and the
 * session's source identity.
 *
 * By design (Nimbus runs offline): signing keys are never fetched; they are registered with
 * `nimbus oidc-jwks` (see src/services/iam/oidc-providers.ts). Thumbprints only pin the TLS
 * certificate of the `jwks_uri` fetch, so with registered keys there is nothing for them to check.
 * ProviderId (OAuth 2.0 access tokens from www.amazon.com / graph.facebook.com) cannot be checked
 * offline and is refused as an invalid token.
 *
 * Unverified against AWS: the text for a token that is not a JWT, carries a bad signature or no `exp`
 * (the model's InvalidIdentityToken description is used), and the order of checks 5-7.
 */
import type { JWTPayload } from 'jose';

/** jose loads on the first web identity request, not at startup (it is a sizeable module). */
const loadJose = () => import('jose');
import type { FederatedAuthenticator } from './federation.js';
import type { Principal } from '../gateway/context.js';
import { ServiceError } from '../gateway/errors.js';
import { ExpiredTokenException, InvalidIdentityTokenException } from '../generated/sts.js';
import { getOidcProviderByIssuer, type OidcProvider } from '../services/iam/oidc-providers.js';
import { roleArnAccount } from '../services/iam/roles.js';

/** The JWS algorithms STS accepts for web identity tokens (API reference, WebIdentityToken). */
export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];

/** The claim AWS reads a source identity from (IAM User Guide, "Monitor and control actions taken with assumed roles"). */
export const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';


export const MSG_INVALID_TOKEN =
  'The web identity token that was passed could not be validated by Amazon Web Services. Get a new identity token from the identity provider and then retry the request.';
export const MSG_NO_KEY = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";
export const MSG_AUDIENCE = 'Incorrect token audience';

const invalid = (message = MSG_INVALID_TOKEN) => new InvalidIdentityTokenException(message);

/** The verified facts of a web identity token. */
export interface VerifiedWebIdentity {
  provider: OidcProvider;
  claims: JWTPayload;
  /** The audience that matched the provider's ClientIDList. */
  audience: string;
}

/**
 * Verifies a web identity token for a role in `accountId` (steps 3-7 of the header); throws STS's
 * error when it does not hold.
 */
export async function verifyWebIdentityToken(
  tx: Parameters<typeof getOidcProviderByIssuer>[0],
  accountId: string,
  token: string,
  now: Date,
): Promise<VerifiedWebIdentity> {
  const { decodeJwt, decodeProtectedHeader } = await loadJose();
  let claims: JWTPayload;
  try {
    decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    throw invalid();
  }
  if (typeof claims.iss !== 'string' || !claims.iss) throw invalid();
  const provider = await getOidcProviderByIssuer(tx, accountId, claims.iss);
  if (!provider) throw invalid(`No OpenIDConnect provider found in your account for ${claims.iss}`);
  if (!provider.jwks || provider.jwks.keys.length === 0) throw invalid(MSG_NO_KEY);

  await verifySignature(token, provider.jwks);

  const auds = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
  const audience = auds.find((a) => provider.clientIds.includes(a));
  if (audience === undefined) throw invalid(MSG_AUDIENCE);

  const nowSec = Math.floor(now.getTime() / 1000);
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw invalid();
  if (nowSec >= claims.exp) {
    throw new ExpiredTokenException(`Token expired: current date/time ${nowSec} must be before the expiration date/time ${Math.floor(claims.exp)}`);
  }
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || nowSec < claims.nbf)) throw invalid();
  if (typeof claims.sub !== 'string' || !claims.sub) throw invalid();
  return { provider, claims, audience };
}

async function verifySignature(token: string, jwks: { keys: unknown[] }): Promise<void> {
  const { compactVerify, createLocalJWKSet, errors: joseErrors } = await loadJose();
  let keys: ReturnType<typeof createLocalJWKSet>;
  try {
    keys = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  } catch {
    throw invalid(MSG_NO_KEY);
  }
  const options = { algorithms: ACCEPTED_ALGORITHMS };
  try {
    await compactVerify(token, keys, options);
    return;
  } catch (e) {
    // Several registered keys fit a header without `kid`: the token is good if one of them verifies it.
    if (e instanceof joseErrors.JWKSMultipleMatchingKeys) {
      for await (const key of e as unknown as AsyncIterable<CryptoKey>) {
        try {
          await compactVerify(token, key, options);
          return;
        } catch {
          /* try the next key */
        }
      }
    }
    throw invalid();
  }
}

/** The claims as trust-policy context keys (see the header), lower-cased. */
export function webIdentityContext(v: VerifiedWebIdentity): Record<string, string | string[]> {
  const prefix = v.provider.arn.slice(v.provider.arn.indexOf(':oidc-provider/') + ':oidc-provider/'.length).toLowerCase();
  const c = v.claims;
  const ctx: Record<string, string | string[]> = {
    [`${prefix}:sub`]: c.sub!,
    [`${prefix}:aud`]: typeof c.azp === 'string' ? c.azp : v.audience,
  };
  if (typeof c.aud === 'string') ctx[`${prefix}:oaud`] = c.aud;
  else if (Array.isArray(c.aud)) ctx[`${prefix}:oaud`] = c.aud.filter((a): a is string => typeof a === 'string');
  const amr = c.amr;
  if (typeof amr === 'string') ctx[`${prefix}:amr`] = [amr];
  else if (Array.isArray(amr)) ctx[`${prefix}:amr`] = amr.filter((a): a is string => typeof a === 'string');
  return ctx;
}

export const webIdentityAuthenticator: FederatedAuthenticator = async (f) => {
  const input = f.input as { RoleArn?: string; RoleSessionName?: string; WebIdentityToken?: string; ProviderId?: string };
  const token = input.WebIdentityToken ?? '';
  // OAuth 2.0 access tokens (ProviderId) are checked by calling the provider: impossible offline.
  if (input.ProviderId !== undefined) throw invalid();
  const accountId = roleArnAccount(input.RoleArn ?? '');
  if (accountId === undefined) {
    // Still a token check first: a bad token is reported as such whatever the role.
    const { decodeJwt } = await loadJose();
    try {
      decodeJwt(token);
    } catch {
      throw invalid();
    }
    throw new ServiceError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
  }
  const v = await verifyWebIdentityToken(f.tx, accountId, token, f.now);
  const context = webIdentityContext(v);
  // The session's source identity comes from the token (trust policies test it as sts:SourceIdentity).
  const sourceIdentity = v.claims[SOURCE_IDENTITY_CLAIM];
  if (typeof sourceIdentity === 'string' && sourceIdentity) context['sts:sourceidentity'] = sourceIdentity;
  const principal: Principal = {
    type: 'web-identity',
    accountId,
    arn: v.provider.arn,
    userId: v.claims.sub!,
    name: input.RoleSessionName ?? '',
    accessKeyId: '',
    federation: { provider: v.provider.arn, context },
  };
  return principal;
};
