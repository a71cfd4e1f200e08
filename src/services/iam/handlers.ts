/**
 * The IAM service's handler table: one module per area, merged here.
 */
import type { IamHandlers } from '../../generated/iam.js';
import { userHandlers } from './users.js';
import { groupHandlers } from './groups.js';
import { roleHandlers } from './roles.js';
import { policyHandlers } from './policies.js';
import { accountHandlers } from './account.js';
import { instanceProfileHandlers } from './instance-profiles.js';
import { boundaryHandlers } from './boundaries.js';
import { authorizationDetailsHandlers } from './authorization-details.js';
import { loginProfileHandlers } from './login-profiles.js';
import { mfaHandlers } from './mfa.js';
import { credentialReportHandlers } from './credential-report.js';
import { lastAccessedHandlers } from './last-accessed.js';
import { simulatorHandlers } from './simulator.js';

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
  ...credentialReportHandlers,
  ...lastAccessedHandlers,
  ...simulatorHandlers,
};
