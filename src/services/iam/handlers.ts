/**
 * The IAM service's handler table: one module per area, merged here.
 */
import type { IamHandlers } from '../../generated/iam.js';
import { userHandlers } from './users.js';
import { groupHandlers } from './groups.js';
import { guardServiceLinkedRoles, roleHandlers, serviceLinkedRoleHandlers } from './roles.js';
import { policyHandlers } from './policies.js';
import { accountHandlers } from './account.js';
import { instanceProfileHandlers } from './instance-profiles.js';
import { boundaryHandlers } from './boundaries.js';
import { authorizationDetailsHandlers } from './authorization-details.js';
import { loginProfileHandlers } from './login-profiles.js';
import { mfaHandlers } from './mfa.js';
import { oidcProviderHandlers } from './oidc-providers.js';
import { samlProviderHandlers } from './saml-providers.js';
import { simulatorHandlers } from './simulator.js';
import { credentialReportHandlers } from './credential-report.js';
import { lastAccessedHandlers } from './last-accessed.js';

export const iamHandlers: IamHandlers = {
  ...userHandlers,
  ...groupHandlers,
  ...roleHandlers,
  ...policyHandlers,
  ...accountHandlers,
  ...instanceProfileHandlers,
  ...boundaryHandlers,
  ...authorizationDetailsHandlers,
  ...loginProfileHandlers,
  ...mfaHandlers,
  ...simulatorHandlers,
  ...credentialReportHandlers,
  ...lastAccessedHandlers,
  ...serviceLinkedRoleHandlers,
  ...oidcProviderHandlers,
  ...samlProviderHandlers,
  // Last: AWS refuses Attach/DetachRolePolicy on service-linked roles before policies.ts sees them.
  ...guardServiceLinkedRoles(policyHandlers),
};
