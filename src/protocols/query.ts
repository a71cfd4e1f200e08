/**
 * The AWS `query` protocol (IAM, STS, and the query form of SNS/SQS/CloudWatch/RDS-style APIs),
 * plus the form-parameter parser it shares with the `ec2` protocol (src/protocols/ec2.ts).
 *
 * Requests: `Action=…&Version=…&…` as a form-urlencoded POST body, or a GET query string; when a
 * request carries both, the two are merged and the body wins. Parameters are flattened with dots:
 * structure members by `locationName` (else member name), lists `Name.member.N` (1-based; the list
 * member's `locationName` replaces `member`), flattened lists `Name.N`, maps
 * `Name.entry.N.key` / `Name.entry.N.value` (flattened: `Name.N.key`). An empty list is sent as
 * `Name=` (AWS SDKs do this), and parses to `[]`.
 *
 * Responses: `<OpResponse xmlns="…"><OpResult>…</OpResult><ResponseMetadata><RequestId>…`
 * (no XML declaration, as IAM and STS answer), `Content-Type: text/xml`, `x-amzn-RequestId`.
 * Errors: `<ErrorResponse xmlns="…"><Error><Type>Sender|Receiver</Type><Code/><Message/>…</Error><RequestId/></ErrorResponse>`.
 *
 * AWS behaviour matched here:
 * - unknown Action: `InvalidAction` "Could not find operation X for version V" (400); no Action: `MissingAction`.
 * - unknown parameters are ignored (query services do not reject them; EC2 does, see ec2.ts).
 * - malformed percent-encoding: `MalformedQueryString` (documented with HTTP 404 in AWS's common errors).
 *
 * Robustness: list indexes must be 1..max(1000, the list's `max`) and written without leading zeros;
 * keys deeper than 64 segments are refused; every failure is a ServiceError.
 */
import type { ServiceModel, Operation, Shape, ShapeRef } from '../model/types.js';
import { ServiceError } from '../gateway/errors.js';
import type { ProtocolCodec, WireRequest, WireResponse, ResponseContext } from './types.js';
import { writeXmlMembers, xmlEscape } from './xml-serialize.js';
import {
  decodeBase64Strict,
  parseBooleanStrict,
  parseFloatStrict,
  parseIntegerStrict,
  parseTimestamp,
  upperFirst,
} from './wire-values.js';

export type QueryFlavor = 'query' | 'ec2';

// ---------------------------------------------------------------------------------------------
// Form parameters
// ---------------------------------------------------------------------------------------------

/** Parameters of a query/ec2 request: the merged query string and form body (body wins). */
export type QueryParams = Map<string, string>;

const paramCache = new WeakMap<WireRequest, QueryParams>();

function malformedQuery(): ServiceError {
  return new ServiceError('MalformedQueryString', 'The query string contains a syntax error.', 404);
}

function decodeFormComponent(s: string): string {
  if (s.indexOf('%') === -1) return s.indexOf('+') === -1 ? s : s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(s.indexOf('+') === -1 ? s : s.replace(/\+/g, ' '));
  } catch {
    throw malformedQuery();
  }
}

function addForm(into: QueryParams, text: string): void {
  if (text.length === 0) return;
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let amp = text.indexOf('&', start);
    if (amp === -1) amp = n;
    if (amp > start) {
      const eq = text.indexOf('=', start);
      let k: string;
      let v: string;
      if (eq === -1 || eq > amp) {
        k = text.slice(start, amp);
        v = '';
      } else {
        k = text.slice(start, eq);
        v = text.slice(eq + 1, amp);
      }
      k = decodeFormComponent(k);
      if (k.length > 0) into.set(k, decodeFormComponent(v));
    }
    start = amp + 1;
  }
}

function bodyIsForm(req: WireRequest): boolean {
  const ct = req.headers['content-type'];
  if (!ct) return true;
  // JSON bodies (the JSON form of query-compatible services) are not ours to read.
  return !ct.includes('json') && !ct.includes('xml');
}

/**
 * The request's parameters: query string first, then the form body (a body parameter replaces a
 * query parameter of the same name). Cached per request. Throws `MalformedQueryString`.
 */
export function readQueryParams(req: WireRequest): QueryParams {
  let p = paramCache.get(req);
  if (p) return p;
  p = new Map();
  addForm(p, req.rawQuery);
  if (req.body.length > 0 && bodyIsForm(req)) addForm(p, req.body.toString('utf8'));
  paramCache.set(req, p);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Operation resolution
// ---------------------------------------------------------------------------------------------

export function resolveQueryOperation(req: WireRequest, model: ServiceModel, flavor: QueryFlavor): Operation {
  const params = readQueryParams(req);
  const action = params.get('Action');
  if (action === undefined || action === '') {
    throw new ServiceError('MissingAction', 'The request must contain the parameter Action.', 400);
  }
  const op = Object.prototype.hasOwnProperty.call(model.operations, action) ? model.operations[action] : undefined;
  if (!op) {
    const shown = action.length > 256 ? action.slice(0, 256) : action;
    if (flavor === 'ec2') throw new ServiceError('InvalidAction', `The action ${shown} is not valid for this web service.`, 400);
    const version = params.get('Version') || model.metadata.apiVersion;
    throw new ServiceError('InvalidAction', `Could not find operation ${shown} for version ${version}`, 400);
  }
  return op;
}

// ---------------------------------------------------------------------------------------------
// Parameter tree and shape-driven input parsing
// ---------------------------------------------------------------------------------------------

interface PNode {
  /** The parameter's value, when a parameter ends at this node. */
  v?: string;
  /** The full parameter name that ends here (for error messages). */
  k?: string;
  c?: Map<string, PNode>;
}

const MAX_KEY_DEPTH = 64;
const MAX_LIST_INDEX = 1000;
const HARD_MAX_LIST_INDEX = 100000;

/** Parameters that carry the action, version or signature rather than operation input. */
const CONTROL_PARAMS = new Set([
  'Action', 'Version', 'AWSAccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'Timestamp', 'Expires', 'SecurityToken',
]);

function isControlParam(name: string): boolean {
  return CONTROL_PARAMS.has(name) || name.startsWith('X-Amz-') || name.startsWith('x-amz-');
}

function buildTree(params: QueryParams, flavor: QueryFlavor): PNode {
  const root: PNode = { c: new Map() };
  for (const [key, value] of params) {
    let node = root;
    let start = 0;
    let depth = 0;
    for (;;) {
      const dot = key.indexOf('.', start);
      const seg = dot === -1 ? key.slice(start) : key.slice(start, dot);
      if (++depth > MAX_KEY_DEPTH) {
        throw flavor === 'ec2'
          ? new ServiceError('InvalidParameterValue', `The parameter ${truncate(key, 128)} is nested too deeply.`, 400)
          : new ServiceError('InvalidQueryParameter', 'The AWS query string is malformed or does not adhere to AWS standards.', 400);
      }
      let c = node.c;
      if (!c) c = node.c = new Map();
      let child = c.get(seg);
      if (!child) {
        child = {};
        c.set(seg, child);
      }
      node = child;
      if (dot === -1) break;
      start = dot + 1;
    }
    node.v = value;
    node.k = key;
  }
  return root;
}

interface MemberIn {
  memberName: string;
  ref: ShapeRef;
  shapeName: string;
  shape: Shape;
}

interface StructIn {
  byWire: Map<string, MemberIn>;
}

interface InputCache {
  structs: Map<string, StructIn>;
}

const inputCaches: Record<QueryFlavor, WeakMap<ServiceModel, InputCache>> = { query: new WeakMap(), ec2: new WeakMap() };

function shapeOf(model: ServiceModel, name: string): Shape {
  const s = Object.prototype.hasOwnProperty.call(model.shapes, name) ? model.shapes[name] : undefined;
  if (!s) throw new Error(`model has no shape ${name}`);
  return s;
}

/** The wire name(s) of a structure member in a request (botocore's QuerySerializer / EC2Serializer). */
export function queryWireNames(model: ServiceModel, memberName: string, ref: ShapeRef, flavor: QueryFlavor): string[] {
  const shape = shapeOf(model, ref.shape);
  const loc = ref.locationName ?? shape.locationName;
  if (flavor === 'ec2') {
    if (ref.queryName) return [ref.queryName];
    return [upperFirst(loc ?? memberName)];
  }
  const name = loc ?? memberName;
  if (shape.type === 'list' && (ref.flattened || shape.flattened) && shape.member?.locationName) {
    // botocore names a flattened list's items by the list member's locationName; other SDKs keep the member name.
    return shape.member.locationName === name ? [name] : [shape.member.locationName, name];
  }
  return [name];
}

function structIn(model: ServiceModel, shapeName: string, flavor: QueryFlavor): StructIn {
  let cache = inputCaches[flavor].get(model);
  if (!cache) {
    cache = { structs: new Map() };
    inputCaches[flavor].set(model, cache);
  }
  let s = cache.structs.get(shapeName);
  if (s) return s;
  const shape = shapeOf(model, shapeName);
  const byWire = new Map<string, MemberIn>();
  for (const [memberName, ref] of Object.entries(shape.members ?? {})) {
    if (ref.location) continue;
    const m: MemberIn = { memberName, ref, shapeName: ref.shape, shape: shapeOf(model, ref.shape) };
    for (const w of queryWireNames(model, memberName, ref, flavor)) if (!byWire.has(w)) byWire.set(w, m);
  }
  s = { byWire };
  cache.structs.set(shapeName, s);
  return s;
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '...' : s;
}

class InputParser {
  constructor(
    readonly model: ServiceModel,
    readonly flavor: QueryFlavor,
  ) {}

  unknown(segment: string): ServiceError {
    return new ServiceError('UnknownParameter', `The parameter ${truncate(segment, 128)} is not recognized`, 400);
  }

  invalid(node: PNode, name: string, expected: string): ServiceError {
    const where = node.k ?? name;
    const v = node.v ?? '';
    return new ServiceError('InvalidParameterValue', `Invalid value '${truncate(v, 256)}' for ${truncate(where, 256)}: expected ${expected}.`, 400);
  }

  badIndex(seg: string, name: string): ServiceError {
    if (this.flavor === 'ec2' && !/^\d+$/.test(seg)) return this.unknown(seg);
    return new ServiceError('InvalidParameterValue', `Invalid list index '${truncate(seg, 32)}' in parameter ${truncate(name, 256)}.`, 400);
  }

  structure(node: PNode, shapeName: string, name: string, top: boolean, depth: number): Record<string, unknown> | undefined {
    const c = node.c;
    if (!c) return top ? {} : undefined;
    const plan = structIn(this.model, shapeName, this.flavor);
    const out: Record<string, unknown> = {};
    for (const [seg, child] of c) {
      const m = plan.byWire.get(seg);
      if (!m) {
        if (this.flavor === 'ec2' && !(top && isControlParam(seg))) throw this.unknown(seg);
        continue;
      }
      const v = this.value(child, m.shapeName, m.shape, m.ref, top ? seg : name + '.' + seg, depth + 1);
      if (v !== undefined) out[m.memberName] = v;
    }
    return out;
  }

  value(node: PNode, shapeName: string, shape: Shape, ref: ShapeRef | undefined, name: string, depth: number): unknown {
    if (depth > MAX_KEY_DEPTH) throw this.invalid(node, name, 'a shallower parameter');
    switch (shape.type) {
      case 'structure':
        return this.structure(node, shapeName, name, false, depth);
      case 'list':
        return this.list(node, shape, !!ref?.flattened, name, depth);
      case 'map':
        return this.map(node, shape, !!ref?.flattened, name, depth);
      default:
        break;
    }
    if (node.c && this.flavor === 'ec2') throw this.unknown(node.c.keys().next().value as string);
    const v = node.v;
    if (v === undefined) return undefined;
    switch (shape.type) {
      case 'string':
        return v;
      case 'integer':
      case 'long': {
        const n = parseIntegerStrict(v, shape.type);
        if (n === undefined) throw this.invalid(node, name, shape.type === 'long' ? 'a long integer' : 'an integer');
        return n;
      }
      case 'float':
      case 'double':
      case 'bigdecimal': {
        const n = parseFloatStrict(v);
        if (n === undefined) throw this.invalid(node, name, 'a number');
        return n;
      }
      case 'biginteger': {
        const n = parseIntegerStrict(v, 'long');
        if (n === undefined) throw this.invalid(node, name, 'an integer');
        return n;
      }
      case 'boolean': {
        const b = parseBooleanStrict(v);
        if (b === undefined) throw this.invalid(node, name, 'true or false');
        return b;
      }
      case 'timestamp': {
        const d = parseTimestamp(v);
        if (!d) throw this.invalid(node, name, 'an ISO 8601 timestamp');
        return d;
      }
      case 'blob': {
        const b = decodeBase64Strict(v);
        if (!b) throw this.invalid(node, name, 'base64-encoded data');
        return b;
      }
      default:
        return v;
    }
  }

  /** Sorted (index, node) pairs of an indexed container node. */
  indexed(container: PNode, max: number, name: string): PNode[] {
    const c = container.c;
    if (!c) return [];
    const cap = Math.min(Math.max(MAX_LIST_INDEX, max), HARD_MAX_LIST_INDEX);
    const items: Array<[number, PNode]> = [];
    for (const [seg, child] of c) {
      const n = seg.length;
      if (n === 0 || n > 6 || seg.charCodeAt(0) === 48 /* leading 0 */) throw this.badIndex(seg, name);
      let idx = 0;
      for (let i = 0; i < n; i++) {
        const d = seg.charCodeAt(i) - 48;
        if (d < 0 || d > 9) throw this.badIndex(seg, name);
        idx = idx * 10 + d;
      }
      if (idx > cap) throw this.badIndex(seg, name);
      items.push([idx, child]);
    }
    if (items.length > 1) items.sort((a, b) => a[0] - b[0]);
    return items.map((e) => e[1]);
  }

  /** A list/map parameter given as a plain value: `Name=` is how SDKs send an empty list. */
  emptyContainer(node: PNode, name: string, expected: string): [] | undefined {
    if (node.v === undefined) return undefined;
    if (node.v === '') return [];
    throw this.invalid(node, name, expected);
  }

  list(node: PNode, shape: Shape, refFlattened: boolean, name: string, depth: number): unknown[] | undefined {
    const memberRef = shape.member ?? { shape: 'String' };
    let container: PNode | undefined = node;
    if (this.flavor === 'query' && !(refFlattened || shape.flattened)) {
      const itemName = memberRef.locationName ?? 'member';
      container = node.c?.get(itemName);
      if (node.c) {
        for (const seg of node.c.keys()) if (seg !== itemName) throw this.badIndex(seg, name);
      }
    }
    if (!container) return this.emptyContainer(node, name, 'a list');
    if (!container.c) return this.emptyContainer(container, name, 'a list') as [] | undefined;
    const itemShape = shapeOf(this.model, memberRef.shape);
    const nodes = this.indexed(container, shape.max ?? 0, name);
    const out: unknown[] = [];
    for (const n of nodes) {
      const v = this.value(n, memberRef.shape, itemShape, memberRef, name, depth + 1);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  map(node: PNode, shape: Shape, refFlattened: boolean, name: string, depth: number): Record<string, unknown> | undefined {
    const keyRef = shape.key ?? { shape: 'String' };
    const valueRef = shape.value ?? { shape: 'String' };
    const keyName = keyRef.locationName ?? 'key';
    const valueName = valueRef.locationName ?? 'value';
    let container: PNode | undefined = node;
    if (!(refFlattened || shape.flattened)) {
      container = node.c?.get('entry');
      if (node.c) for (const seg of node.c.keys()) if (seg !== 'entry') throw this.badIndex(seg, name);
    }
    if (!container) return this.emptyContainer(node, name, 'a map') ? {} : undefined;
    if (!container.c) return this.emptyContainer(container, name, 'a map') ? {} : undefined;
    const keyShape = shapeOf(this.model, keyRef.shape);
    const valueShape = shapeOf(this.model, valueRef.shape);
    const out: Record<string, unknown> = {};
    for (const entry of this.indexed(container, shape.max ?? 0, name)) {
      const kn = entry.c?.get(keyName);
      if (!kn || kn.v === undefined) {
        throw new ServiceError('InvalidParameterValue', `A map entry of ${truncate(name, 256)} has no ${keyName}.`, 400);
      }
      const k = this.value(kn, keyRef.shape, keyShape, keyRef, name, depth + 1);
      const vn = entry.c?.get(valueName);
      const v = vn ? this.value(vn, valueRef.shape, valueShape, valueRef, name, depth + 1) : undefined;
      if (v === undefined) continue;
      const ks = String(k);
      if (ks === '__proto__') Object.defineProperty(out, ks, { value: v, enumerable: true, writable: true, configurable: true });
      else out[ks] = v;
    }
    return out;
  }
}

/**
 * Parses a query/ec2 request's parameters into the operation's input (keyed by member names,
 * typed per shape). Operations without an input shape yield `{}`.
 */
export function parseQueryInput(req: WireRequest, model: ServiceModel, op: Operation, flavor: QueryFlavor): Record<string, unknown> {
  const params = readQueryParams(req);
  if (!op.input) {
    if (flavor === 'ec2') for (const k of params.keys()) if (!isControlParam(k.split('.', 1)[0]!)) throw new InputParser(model, flavor).unknown(k.split('.', 1)[0]!);
    return {};
  }
  const tree = buildTree(params, flavor);
  const parser = new InputParser(model, flavor);
  return parser.structure(tree, op.input.shape, '', true, 0) ?? {};
}

// ---------------------------------------------------------------------------------------------
// The codec
// ---------------------------------------------------------------------------------------------

function queryHeaders(ctx: ResponseContext, extra?: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'text/xml', 'x-amzn-RequestId': ctx.requestId };
  if (extra) for (const k of Object.keys(extra)) h[k] = extra[k]!;
  return h;
}

export const queryCodec: ProtocolCodec = {
  name: 'query',

  resolveOperation(req: WireRequest, model: ServiceModel): Operation {
    return resolveQueryOperation(req, model, 'query');
  },

  parseInput(req: WireRequest, model: ServiceModel, op: Operation): Record<string, unknown> {
    return parseQueryInput(req, model, op, 'query');
  },

  serializeOutput(model: ServiceModel, op: Operation, output: Record<string, unknown> | undefined, ctx: ResponseContext): WireResponse {
    const ns = model.metadata.xmlNamespace;
    const root = op.name + 'Response';
    let body = ns ? `<${root} xmlns="${xmlEscape(ns)}">` : `<${root}>`;
    if (op.output) {
      const wrapper = op.output.resultWrapper ?? op.name + 'Result';
      const inner = writeXmlMembers(model, op.output.shape, output, 'query');
      body += inner === '' ? `<${wrapper}/>` : `<${wrapper}>${inner}</${wrapper}>`;
    }
    body += `<ResponseMetadata><RequestId>${xmlEscape(ctx.requestId)}</RequestId></ResponseMetadata></${root}>`;
    return { status: 200, headers: queryHeaders(ctx), body };
  },

  serializeError(model: ServiceModel, _op: Operation | undefined, err: ServiceError, ctx: ResponseContext): WireResponse {
    return { status: err.status, headers: queryHeaders(ctx, err.headers), body: queryErrorBody(model, err, ctx.requestId) };
  },
};

/** The query protocol's `<ErrorResponse>` document for an error. */
export function queryErrorBody(model: ServiceModel, err: ServiceError, requestId: string): string {
  const ns = model.metadata.xmlNamespace;
  let body = ns ? `<ErrorResponse xmlns="${xmlEscape(ns)}">` : '<ErrorResponse>';
  body += `<Error><Type>${err.senderFault ? 'Sender' : 'Receiver'}</Type><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message>`;
  body += errorFieldsXml(err);
  body += `</Error><RequestId>${xmlEscape(requestId)}</RequestId></ErrorResponse>`;
  return body;
}

/** Extra error members (`<PackedPolicySize>…`), in insertion order. */
export function errorFieldsXml(err: ServiceError): string {
  let out = '';
  for (const [k, v] of Object.entries(err.fields)) {
    if (v === undefined || v === null || !/^[A-Za-z_][\w.-]*$/.test(k)) continue;
    out += `<${k}>${xmlEscape(String(v))}</${k}>`;
  }
  return out;
}
