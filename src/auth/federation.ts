/**
 * Operations a caller reaches without AWS credentials, by presenting an identity provider's proof
 * instead: STS AssumeRoleWithWebIdentity (an OIDC JWT) and AssumeRoleWithSAML (a signed SAML
 * assertion). Their requests are unsigned; verifying the token or assertion is their
 * authentication, done here in the pipeline like SigV4 is for every other operation. The result is
 * a principal of kind `web-identity` or `saml` whose provider and claims (`<provider>:sub`,
 * `:aud`, `:amr`, `saml:sub`, `saml:aud`...) are the context the role's trust policy is evaluated
 * with, by the same authorizer as any request.
 */
import type { WriteTx } from '../store/types.js';
import type { Principal } from '../gateway/context.js';
import { webIdentityAuthenticator } from './web-identity.js';
import { samlAuthenticator } from './saml.js';

export interface FederationFacts {
  tx: WriteTx;
  input: Record<string, unknown>;
  now: Date;
  region: string;
}

/** Verifies the proof in the input; throws the service's error (e.g. InvalidIdentityToken) when it does not hold. */
export type FederatedAuthenticator = (f: FederationFacts) => Promise<Principal>;

export const FEDERATED_OPERATIONS: Record<string, Record<string, FederatedAuthenticator>> = {
  sts: {
    AssumeRoleWithWebIdentity: webIdentityAuthenticator,
    AssumeRoleWithSAML: samlAuthenticator,
  },
};
