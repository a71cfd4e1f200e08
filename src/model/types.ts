/**
 * Types of the vendored AWS API models (botocore `service-2.json` format, trimmed of documentation).
 * These describe the JSON under `models/`; the protocol parsers and serializers walk them at run time.
 */

export type ProtocolName = 'query' | 'ec2' | 'rest-xml' | 'json' | 'rest-json';

export interface ServiceMetadata {
  apiVersion: string;
  endpointPrefix: string;
  protocol: ProtocolName;
  protocols?: ProtocolName[];
  serviceId: string;
  serviceFullName: string;
  signingName?: string;
  globalEndpoint?: string;
  jsonVersion?: string;
  targetPrefix?: string;
  xmlNamespace?: string;
  uid?: string;
}

export interface HttpTrait {
  method: string;
  requestUri: string;
  responseCode?: number;
}

export interface ShapeRef {
  shape: string;
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  locationName?: string;
  queryName?: string; // ec2 protocol: the wire name of a member
  xmlNamespace?: { uri: string; prefix?: string };
  xmlAttribute?: boolean;
  flattened?: boolean;
  payload?: string;
  streaming?: boolean;
  idempotencyToken?: boolean;
  hostLabel?: boolean;
  jsonvalue?: boolean;
  timestampFormat?: 'iso8601' | 'rfc822' | 'unixTimestamp';
  deprecated?: boolean;
  contextParam?: { name: string };
  box?: boolean;
  resultWrapper?: string;
}

export interface ErrorTrait {
  code?: string;
  httpStatusCode?: number;
  senderFault?: boolean;
}

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'blob' | 'bigdecimal' | 'biginteger';
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef; // list
  key?: ShapeRef; // map
  value?: ShapeRef; // map
  flattened?: boolean;
  locationName?: string;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  sensitive?: boolean;
  exception?: boolean;
  fault?: boolean;
  error?: ErrorTrait;
  payload?: string;
  xmlNamespace?: { uri: string; prefix?: string };
  xmlOrder?: string[];
  timestampFormat?: 'iso8601' | 'rfc822' | 'unixTimestamp';
  streaming?: boolean;
  requiresLength?: boolean;
  event?: boolean;
  eventstream?: boolean;
  union?: boolean;
  document?: boolean;
  deprecated?: boolean;
}

export interface Operation {
  name: string;
  http: HttpTrait;
  input?: ShapeRef;
  output?: ShapeRef & { resultWrapper?: string };
  errors?: ShapeRef[];
  deprecated?: boolean;
  endpoint?: { hostPrefix: string };
  httpChecksum?: Record<string, unknown>;
  idempotent?: boolean;
}

export interface ServiceModel {
  version?: string;
  metadata: ServiceMetadata;
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}
