/**
 * The IAM service's handler table: one module per area, merged here.
 */
import type { IamHandlers } from '../../generated/iam.js';
import { userHandlers } from './users.js';

export const iamHandlers: IamHandlers = {
  ...userHandlers,
};
