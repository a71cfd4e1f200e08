/**
 * The AWS REST-XML protocol, as S3 speaks it.
 *
 * Wire facts (S3 API reference, botocore RestXML serializer/parser, the JS v3 SDK):
 * - Routing: path-style `/{Bucket}/{Key+}`; with a virtual-host request the pipeline sets
 *   `WireRequest.hostBucket` and the path is just `/{Key+}`, so the bucket is put back in front before
 *   matching. Subresource literals in the template (`?uploads`, `?list-type=2`) must be present; the
 *   most specific template wins (rest-common.ts). No operation for the method: `MethodNotAllowed` 405
 *   with `Method` and `ResourceType` (SERVICE, BUCKET or OBJECT), as S3 answers.
 * - Input: uri labels are percent-decoded (greedy `Key` keeps `/`), query and header members bound per
 *   the model, `x-amz-meta-*` into the `headers` map (keys lower-cased), the `payload` member from the
 *   body: blob → Buffer (streaming or not), string → UTF-8 text, structure → XML whose root must be the
 *   member's `locationName`. A body that is not well-formed XML (or not UTF-8, or with a DTD), a root of
 *   the wrong name, or a value of the wrong type → `MalformedXML` 400. A query/header value of the wrong
 *   type → `InvalidArgument` 400 with `ArgumentName`/`ArgumentValue`; bad percent-encoding → `InvalidURI`.
 *   An unparsable `If-Modified-Since`/`If-Unmodified-Since` date is ignored (HTTP semantics), not rejected.
 * - Output: status from `http.responseCode` / statusCode member; header members (timestamps as RFC 1123
 *   dates); body: a blob/string payload raw, a structure payload as XML rooted at the member's
 *   `locationName`, or the output's body members rooted at the output shape's `locationName`. The
 *   namespace is the shape's/member's `xmlNamespace`, else `http://<endpointPrefix>.amazonaws.com/doc/<apiVersion>/`
 *   (S3: `http://s3.amazonaws.com/doc/2006-03-01/`). XML timestamps are ISO 8601 with milliseconds.
 *   HEAD responses and 204s have no body. `x-amz-request-id` and `x-amz-id-2` on every response.
 * - Errors: `<?xml ...?>\n<Error><Code/><Message/>(fields)<RequestId/><HostId/></Error>` with the error's
 *   status; HEAD requests get no body (pass `RestXmlResponseContext.method`, or it is taken from the
 *   operation).
 *
 * Surprises matched on purpose:
 * - GetBucketLocation's body is `<LocationConstraint xmlns="...">eu-west-1</LocationConstraint>`: when a
 *   structure's root name equals its only body member's name and that member is a scalar, the value is
 *   the root's text.
 * - Model correction: botocore drops Smithy's `@xmlName` on S3 output structures (ListObjectsV2Output is
 *   `<ListBucketResult>` on the wire). models/patches/s3.json restores them as shape `locationName`s (facts from the JS v3 SDK's
 *   schemas); a `locationName` on the shape (e.g. from models/patches/s3.json) takes precedence.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { createHash } from 'node:crypto';
import type { Operation, ServiceModel, Shape, ShapeRef } from '../model/types.js';
import { ServiceError } from '../gateway/errors.js';
import type { ProtocolCodec, ResponseContext, WireRequest, WireResponse } from './types.js';
import {
  RestBindingError,
  bindHttpOutput,
  decodeUtf8,
  parseScalarString,
  shapeOf,
  resolveRestOperation,
  parseRestInput,
  type RestDialect,
} from './rest-common.js';
import { writeXmlElement, xmlEscape } from './xml-serialize.js';
import { encodeBase64 } from './wire-values.js';

/** ResponseContext plus the request method (HEAD errors have no body). */
export interface RestXmlResponseContext extends ResponseContext {
  method?: string;
}


const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>';
const MALFORMED_XML_MESSAGE = 'The XML you provided was not well-formed or did not validate against our published schema';

export function malformedXml(): ServiceError {
  return new ServiceError('MalformedXML', MALFORMED_XML_MESSAGE, 400);
}


// ---------------------------------------------------------------------------------------------
// XML reading

/** A parsed element: local name (namespace prefix dropped), attributes by local name, children, text. */
export interface XNode {
  name: string;
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
});

type FxpNode = Record<string, unknown>;

function convert(items: FxpNode[], depth: number): { children: XNode[]; text: string } {
  if (depth > 200) throw malformedXml();
  const children: XNode[] = [];
  let text = '';
  for (const it of items) {
    for (const k of Object.keys(it)) {
      if (k === ':@') continue;
      const v = it[k];
      if (k === '#text') {
        text += typeof v === 'string' ? v : String(v);
        continue;
      }
      const sub = convert(Array.isArray(v) ? (v as FxpNode[]) : [], depth + 1);
      const attrs = (it[':@'] as Record<string, string> | undefined) ?? {};
      children.push({ name: k, attrs, children: sub.children, text: sub.text });
    }
  }
  return { children, text };
}

/**
 * Parses an XML document into its root element. Throws MalformedXML for anything that is not one
 * well-formed element (invalid UTF-8, DTDs, truncated or mismatched tags, several roots).
 */
export function parseXmlDocument(body: Buffer): XNode {
  const text = decodeUtf8(body);
  if (text === undefined) throw malformedXml();
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw malformedXml();
  let doc: { children: XNode[]; text: string };
  try {
    if (XMLValidator.validate(text) !== true) throw malformedXml();
    doc = convert(parser.parse(text) as FxpNode[], 0);
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    throw malformedXml();
  }
  if (doc.children.length !== 1 || doc.text.trim() !== '') throw malformedXml();
  return doc.children[0]!;
}

interface ReadMember {
  name: string;
  ref: ShapeRef;
  shape: Shape;
  flattened: boolean;
}
interface ReadPlan {
  elements: Map<string, ReadMember>;
  attributes: Map<string, ReadMember>;
  /** The single scalar body member whose wire name is the root's own name (GetBucketLocation). */
  textMember?: ReadMember;
}
const readPlans = new WeakMap<ServiceModel, Map<string, ReadPlan>>();

function localName(n: string): string {
  const i = n.indexOf(':');
  return i < 0 ? n : n.slice(i + 1);
}

function readPlan(model: ServiceModel, shapeName: string): ReadPlan {
  let m = readPlans.get(model);
  if (!m) {
    m = new Map();
    readPlans.set(model, m);
  }
  let p = m.get(shapeName);
  if (p) return p;
  const shape = shapeOf(model, shapeName);
  p = { elements: new Map(), attributes: new Map() };
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    if (ref.location) continue;
    const ms = shapeOf(model, ref.shape);
    const flattened = !!(ref.flattened || ms.flattened) && (ms.type === 'list' || ms.type === 'map');
    let wire = ref.locationName ?? name;
    if (flattened && ms.type === 'list' && ms.member?.locationName) wire = ms.member.locationName;
    const rm = { name, ref, shape: ms, flattened };
    if (ref.xmlAttribute) p.attributes.set(localName(wire), rm);
    else p.elements.set(wire, rm);
  }
  m.set(shapeName, p);
  return p;
}

function readScalar(shape: Shape, text: string, name: string): unknown {
  try {
    return parseScalarString(shape, shape.type === 'string' ? text : text.trim(), name);
  } catch {
    throw malformedXml();
  }
}

function readMapEntry(model: ServiceModel, shape: Shape, node: XNode, out: Record<string, unknown>, depth: number): void {
  const keyRef = shape.key ?? { shape: 'String' };
  const valueRef = shape.value ?? { shape: 'String' };
  const keyName = keyRef.locationName ?? 'key';
  const valueName = valueRef.locationName ?? 'value';
  let k: string | undefined;
  let v: unknown;
  for (const c of node.children) {
    if (c.name === keyName) k = c.text;
    else if (c.name === valueName) v = readXmlValue(model, valueRef, c, depth + 1);
  }
  if (k !== undefined && v !== undefined) out[k] = v;
}

/** Reads an element as a value of the shape `ref` points at. Throws MalformedXML on a wrong type. */
export function readXmlValue(model: ServiceModel, ref: ShapeRef, node: XNode, depth = 0): unknown {
  if (depth > 100) throw malformedXml();
  const shape = shapeOf(model, ref.shape);
  switch (shape.type) {
    case 'structure':
      return readXmlStructure(model, ref.shape, node, depth + 1);
    case 'list': {
      const itemRef = shape.member ?? { shape: 'String' };
      return node.children.map((c) => readXmlValue(model, itemRef, c, depth + 1));
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const c of node.children) if (c.name === 'entry') readMapEntry(model, shape, c, out, depth);
      return out;
    }
    default:
      return readScalar(shape, node.text, node.name);
  }
}

/** Reads a structure's members from an element (children by wire name, attributes, flattened lists). */
export function readXmlStructure(model: ServiceModel, shapeName: string, node: XNode, depth = 0): Record<string, unknown> {
  const plan = readPlan(model, shapeName);
  const out: Record<string, unknown> = {};
  for (const [a, v] of Object.entries(node.attrs)) {
    const m = plan.attributes.get(a);
    if (m) out[m.name] = readScalar(m.shape, v, a);
  }
  for (const c of node.children) {
    const m = plan.elements.get(c.name);
    if (!m) continue;
    if (m.flattened) {
      if (m.shape.type === 'list') {
        const arr = (out[m.name] as unknown[] | undefined) ?? [];
        arr.push(readXmlValue(model, m.shape.member ?? { shape: 'String' }, c, depth + 1));
        out[m.name] = arr;
      } else {
        const map = (out[m.name] as Record<string, unknown> | undefined) ?? {};
        readMapEntry(model, m.shape, c, map, depth);
        out[m.name] = map;
      }
    } else {
      out[m.name] = readXmlValue(model, m.ref, c, depth + 1);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function defaultNamespace(model: ServiceModel): string {
  const md = model.metadata;
  const ns = md.xmlNamespace as unknown;
  if (typeof ns === 'string') return ns;
  if (ns && typeof ns === 'object' && typeof (ns as { uri?: string }).uri === 'string') return (ns as { uri: string }).uri;
  return `http://${md.endpointPrefix}.amazonaws.com/doc/${md.apiVersion}/`;
}

function pathOf(req: WireRequest): string {
  const p = req.path || '/';
  if (!req.hostBucket) return p;
  return '/' + encodeURIComponent(req.hostBucket) + (p.startsWith('/') ? p : '/' + p);
}

function bindingError(e: RestBindingError): ServiceError {
  if (e.kind === 'encoding') return new ServiceError('InvalidURI', "Couldn't parse the specified URI.", 400, { fields: e.argValue !== undefined ? { URI: e.argValue } : {} });
  const fields: Record<string, string> = {};
  if (e.argName !== undefined) fields.ArgumentName = e.argName;
  if (e.argValue !== undefined) fields.ArgumentValue = e.argValue;
  return new ServiceError('InvalidArgument', e.message, 400, { fields });
}

/** `If-Modified-Since: yesterday` is ignored, as HTTP says and S3 does, rather than rejected. */
function isConditionalHeader(wire: string): boolean {
  return wire === 'if-modified-since' || wire === 'if-unmodified-since';
}

function rethrow(e: unknown): never {
  if (e instanceof RestBindingError) throw bindingError(e);
  if (e instanceof RangeError) throw malformedXml();
  throw e;
}

function resourceType(path: string): string {
  const segs = path.split('/').filter((s) => s !== '');
  return segs.length === 0 ? 'SERVICE' : segs.length === 1 ? 'BUCKET' : 'OBJECT';
}

function hostIdFor(ctx: ResponseContext): string {
  if (ctx.hostId) return ctx.hostId;
  return createHash('sha256').update(ctx.requestId).digest('base64');
}

function hasHeader(h: Record<string, string>, lower: string): boolean {
  for (const k of Object.keys(h)) if (k.toLowerCase() === lower) return true;
  return false;
}

function blobBody(v: unknown): Buffer | string {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return v;
  return Buffer.from(encodeBase64(v), 'base64');
}

interface RootInfo {
  name: string;
  /** Namespace attribute to add when the shape/ref carries none ('' if it does). */
  nsAttr: string;
  /** GetBucketLocation style: the root's text is this member's value. */
  textMember?: { name: string; ref: ShapeRef };
}
const rootInfos = new WeakMap<ServiceModel, Map<string, RootInfo>>();

function outputRoot(model: ServiceModel, shapeName: string): RootInfo {
  let m = rootInfos.get(model);
  if (!m) {
    m = new Map();
    rootInfos.set(model, m);
  }
  let r = m.get(shapeName);
  if (r) return r;
  const shape = shapeOf(model, shapeName);
  const name = shape.locationName ?? shapeName;
  r = { name, nsAttr: shape.xmlNamespace ? '' : ` xmlns="${xmlEscape(defaultNamespace(model))}"` };
  const body = Object.entries(shape.members ?? {}).filter(([, ref]) => !ref.location);
  if (body.length === 1) {
    const [mn, ref] = body[0]!;
    const ms = shapeOf(model, ref.shape);
    if ((ref.locationName ?? mn) === name && ms.type !== 'structure' && ms.type !== 'list' && ms.type !== 'map') r.textMember = { name: mn, ref };
  }
  m.set(shapeName, r);
  return r;
}

// ---------------------------------------------------------------------------------------------
// The codec

/** rest-xml's (S3's) body format and errors, for the shared REST request reader. */
const dialect: RestDialect = {
  pathOf,
  fail: rethrow,
  noRoute: (req, path) =>
    new ServiceError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, {
      fields: { Method: req.method.toUpperCase(), ResourceType: resourceType(path) },
    }),
  badText: malformedXml,
  hasBody: (body) => body.toString('latin1').trim() !== '',
  readPayload(model, p, body) {
    const root = parseXmlDocument(body);
    const expected = p.ref.locationName ?? p.shape.locationName ?? p.name;
    if (root.name !== localName(expected)) throw malformedXml();
    return readXmlValue(model, p.ref, root);
  },
  readMembers: (model, shapeName, body) => readXmlStructure(model, shapeName, parseXmlDocument(body)),
  lenientHeader: isConditionalHeader,
};

export const restXmlCodec: ProtocolCodec = {
  name: 'rest-xml',

  resolveOperation(req: WireRequest, model: ServiceModel): Operation {
    return resolveRestOperation(dialect, req, model);
  },

  parseInput(req: WireRequest, model: ServiceModel, op: Operation): Record<string, unknown> {
    return parseRestInput(dialect, req, model, op);
  },

  serializeOutput(model: ServiceModel, op: Operation, output: Record<string, unknown> | undefined, ctx: ResponseContext): WireResponse {
    const { status, headers, plan } = bindHttpOutput(model, op, output);
    headers['x-amz-request-id'] = ctx.requestId;
    headers['x-amz-id-2'] = hostIdFor(ctx);
    let body: Buffer | string = '';
    const noBody = op.http?.method?.toUpperCase() === 'HEAD' || status === 204 || status === 304;
    if (!noBody && op.output && plan) {
      if (plan.payload) {
        const p = plan.payload;
        const v = output?.[p.name];
        if (p.shape.type === 'blob' || p.shape.type === 'string') {
          if (v !== undefined && v !== null) body = p.shape.type === 'blob' ? blobBody(v) : String(v);
        } else if (v !== undefined && v !== null) {
          const name = p.ref.locationName ?? p.shape.locationName ?? p.name;
          const ns = p.ref.xmlNamespace ?? p.shape.xmlNamespace ? '' : ` xmlns="${xmlEscape(defaultNamespace(model))}"`;
          body = XML_DECL + '\n' + writeXmlElement(model, { ...p.ref, flattened: undefined }, name, v, 'rest-xml', ns);
          if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/xml';
        }
      } else if (plan.bodyMembers.length > 0) {
        const root = outputRoot(model, op.output.shape);
        const value = output ?? {};
        if (root.textMember) {
          const v = value[root.textMember.name];
          const el = writeXmlElement(model, root.textMember.ref, root.name, v, 'rest-xml', root.nsAttr);
          body = XML_DECL + '\n' + (el || `<${root.name}${root.nsAttr}/>`);
        } else {
          body = XML_DECL + '\n' + writeXmlElement(model, { shape: op.output.shape }, root.name, value, 'rest-xml', root.nsAttr);
        }
        if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/xml';
      }
    }
    return { status, headers, body };
  },

  serializeError(_model: ServiceModel, op: Operation | undefined, err: ServiceError, ctx: RestXmlResponseContext): WireResponse {
    const headers: Record<string, string> = {
      'x-amz-request-id': ctx.requestId,
      'x-amz-id-2': hostIdFor(ctx),
      ...err.headers,
    };
    const method = (ctx.method ?? op?.http?.method ?? '').toUpperCase();
    if (method === 'HEAD') return { status: err.status, headers, body: '' };
    headers['Content-Type'] = 'application/xml';
    let fields = '';
    for (const [k, v] of Object.entries(err.fields)) {
      if (!/^[A-Za-z_][\w.-]*$/.test(k) || k === 'Code' || k === 'Message' || k === 'RequestId' || k === 'HostId') continue;
      fields += `<${k}>${xmlEscape(String(v))}</${k}>`;
    }
    const body =
      XML_DECL +
      '\n<Error><Code>' +
      xmlEscape(err.code) +
      '</Code><Message>' +
      xmlEscape(err.message) +
      '</Message>' +
      fields +
      '<RequestId>' +
      xmlEscape(ctx.requestId) +
      '</RequestId><HostId>' +
      xmlEscape(hostIdFor(ctx)) +
      '</HostId></Error>';
    return { status: err.status, headers, body };
  },
};
