/**
 * EC2 handlers. Regions and availability zones first; instances, AMIs, key pairs, security groups
 * and volumes follow in their own issues.
 */
import type { Ec2Handlers } from '../../generated/ec2.js';

export const ec2Handlers: Ec2Handlers = {};
