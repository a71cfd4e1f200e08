/** AssumeRoleWithWebIdentity's authentication: verifying the OIDC token (to be implemented). */
import type { FederatedAuthenticator } from './federation.js';
import { ServiceError } from '../gateway/errors.js';

export const webIdentityAuthenticator: FederatedAuthenticator = async () => {
  throw new ServiceError('NotImplemented', 'Nimbus does not implement STS AssumeRoleWithWebIdentity yet.', 501, { senderFault: false });
};
