/** AssumeRoleWithSAML's authentication: verifying the SAML assertion (to be implemented). */
import type { FederatedAuthenticator } from './federation.js';
import { ServiceError } from '../gateway/errors.js';

export const samlAuthenticator: FederatedAuthenticator = async () => {
  throw new ServiceError('NotImplemented', 'Nimbus does not implement STS AssumeRoleWithSAML yet.', 501, { senderFault: false });
};
