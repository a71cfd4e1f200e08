/**
 * The services Nimbus serves: model, protocol codec, signing name, handlers.
 * Adding a service means adding its model under models/, its handlers under src/services/<svc>/
 * and a line here.
 */
import { loadModel } from '../model/load.js';
import type { ServiceModel, ProtocolName } from '../model/types.js';
import type { ProtocolCodec } from '../protocols/types.js';
import type { HandlerContext } from './context.js';
import { queryCodec } from '../protocols/query.js';
import { ec2Codec } from '../protocols/ec2.js';
import { restXmlCodec } from '../protocols/rest-xml.js';
import { jsonCodec } from '../protocols/json.js';
import { restJsonCodec } from '../protocols/rest-json.js';
import { iamHandlers } from '../services/iam/handlers.js';
import { stsHandlers } from '../services/sts/handlers.js';
import { ec2Handlers } from '../services/ec2/handlers.js';

export type Handler = (input: any, ctx: HandlerContext) => Promise<any>;
export type HandlerTable = Partial<Record<string, Handler>>;

export interface ServiceDef {
  /** Nimbus's id, as the model file is named: `iam`, `sts`, `ec2`, `s3`, `service-quotas`, `rbin`. */
  id: string;
  /** SigV4 signing name (credential scope service), e.g. `servicequotas`. */
  signingName: string;
  /**
   * A global service (IAM) keeps one state for every region. Real clients pointed at an endpoint
   * URL sign IAM with whatever region they are configured for, so the signing region is accepted.
   */
  global: boolean;
  /**
   * How model constraints are checked and reported. S3 does not answer constraint violations with a
   * generic validation error (it has per-operation codes such as InvalidArgument), so its handlers
   * validate what S3 validates: 'none' here.
   */
  validation: 'query' | 'ec2' | 'json' | 'rest' | 'none';
  model(): ServiceModel;
  codec: ProtocolCodec;
  handlers: HandlerTable;
}

const CODECS: Record<ProtocolName, ProtocolCodec> = {
  query: queryCodec,
  ec2: ec2Codec,
  'rest-xml': restXmlCodec,
  json: jsonCodec,
  'rest-json': restJsonCodec,
};

function def(id: string, opts: { global?: boolean; handlers?: HandlerTable }): ServiceDef {
  const m = loadModel(id);
  const protocol = m.metadata.protocol;
  const validation = protocol === 'query' ? 'query' : protocol === 'ec2' ? 'ec2' : protocol === 'json' ? 'json' : protocol === 'rest-json' ? 'rest' : 'none';
  return {
    id,
    signingName: m.metadata.signingName ?? m.metadata.endpointPrefix,
    global: opts.global ?? false,
    validation,
    model: () => m,
    codec: CODECS[protocol],
    handlers: opts.handlers ?? {},
  };
}

export const SERVICES: Record<string, ServiceDef> = {
  iam: def('iam', { global: true, handlers: iamHandlers as HandlerTable }),
  sts: def('sts', { handlers: stsHandlers as HandlerTable }),
  ec2: def('ec2', { handlers: ec2Handlers as HandlerTable }),
  s3: def('s3', {}),
  'service-quotas': def('service-quotas', {}),
  rbin: def('rbin', {}),
};

const bySigning = new Map<string, ServiceDef>();
const byTarget = new Map<string, ServiceDef>();
const byVersion = new Map<string, ServiceDef>();
for (const s of Object.values(SERVICES)) {
  const md = s.model().metadata;
  bySigning.set(s.signingName, s);
  bySigning.set(md.endpointPrefix, s);
  if (md.targetPrefix) byTarget.set(md.targetPrefix, s);
  if (md.protocol === 'query' || md.protocol === 'ec2') byVersion.set(md.apiVersion, s);
}

export function serviceBySigningName(name: string): ServiceDef | undefined {
  return bySigning.get(name);
}
export function serviceByTargetPrefix(prefix: string): ServiceDef | undefined {
  return byTarget.get(prefix);
}
export function serviceByApiVersion(version: string): ServiceDef | undefined {
  return byVersion.get(version);
}
