/**
 * HTTP-binding logic shared by the two REST protocols (`rest-xml` for S3, `rest-json`).
 *
 * - Routing: every operation's `http.method` + `http.requestUri` is compiled once per model (cached
 *   in a WeakMap) into a path regex (`{Label}` matches one segment, `{Key+}` is greedy and keeps `/`)
 *   plus the literal query keys of the template (`?uploads`, `?list-type=2`). A request can match
 *   several templates (S3: `GET /{Bucket}` ListObjects, `?location` GetBucketLocation, `?list-type=2`
 *   ListObjectsV2; `PUT /{Bucket}/{Key+}` PutObject, CopyObject, UploadPart, UploadPartCopy); the most
 *   specific one wins, ranked by:
 *     1. all the operation's required querystring/header members are present,
 *     2. more literal query keys in the template,
 *     3. more required querystring/header members present (CopyObject's `x-amz-copy-source`,
 *        UploadPart's `partNumber`+`uploadId`),
 *     4. more literal path segments,
 *     5. not deprecated (GetBucketLifecycleConfiguration over GetBucketLifecycle),
 *     6. model order.
 * - Input bindings: `uri` labels (percent-decoded; greedy labels keep `/`), `querystring` (lists
 *   repeat the parameter; a map takes every parameter not bound to another member), `header`
 *   (lists are comma-separated; `jsonvalue` headers are base64 JSON), `headers` (prefix maps such as
 *   S3's `x-amz-meta-`; keys lower-cased, as Node hands headers over).
 * - Output bindings: `statusCode` member or `http.responseCode`, `header` and `headers` members.
 *   Timestamps default to RFC 1123 dates in headers and ISO 8601 in the URI and query string.
 *
 * Binding failures throw `RestBindingError`; each codec renders it in its own protocol's error.
 */
import type { Operation, ServiceModel, Shape, ShapeRef } from '../model/types.js';
import type { WireRequest } from './types.js';
import type { ServiceError } from '../gateway/errors.js';
import {
  decodeBase64Strict,
  encodeBase64,
  formatFloat,
  formatTimestamp,
  parseBooleanStrict,
  parseFloatStrict,
  parseIntegerStrict,
  parseTimestamp,
  toDate,
  type TimestampFormat,
} from './wire-values.js';

/** A request value that cannot be bound to its member (bad percent-encoding, wrong type). */
export class RestBindingError extends Error {
  constructor(
    message: string,
    /** 'encoding': the URI or query string is not valid percent-encoding; 'type': a value of the wrong type. */
    readonly kind: 'encoding' | 'type',
    /** Wire name of the offending parameter/header, if any. */
    readonly argName?: string,
    readonly argValue?: string,
  ) {
    super(message);
    this.name = 'RestBindingError';
  }
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export function shapeOf(model: ServiceModel, name: string): Shape {
  const s = hasOwn(model.shapes, name) ? model.shapes[name] : undefined;
  if (!s) throw new Error(`model has no shape ${name}`);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Query strings and percent-decoding

/** Decoded query parameters in request order; a key without `=` has the value ''. */
export type QueryParams = Map<string, string[]>;

function decodeComponent(s: string, plusIsSpace: boolean, what: string): string {
  if (plusIsSpace && s.includes('+')) s = s.replace(/\+/g, ' ');
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw new RestBindingError(`Invalid percent-encoding in ${what}`, 'encoding', undefined, s);
  }
}

/** Percent-decodes a path segment or label (`+` stays `+` in a path). */
export function decodePathComponent(s: string): string {
  return decodeComponent(s, false, 'the request path');
}

export function parseQueryString(raw: string): QueryParams {
  const q: QueryParams = new Map();
  if (!raw) return q;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = decodeComponent(eq < 0 ? part : part.slice(0, eq), true, 'the query string');
    const v = eq < 0 ? '' : decodeComponent(part.slice(eq + 1), true, 'the query string');
    const arr = q.get(k);
    if (arr) arr.push(v);
    else q.set(k, [v]);
  }
  return q;
}

// ---------------------------------------------------------------------------------------------
// Routing

export interface Route {
  op: Operation;
  method: string;
  regex: RegExp;
  /** Label names in capture-group order; greedy labels are marked. */
  labels: Array<{ name: string; greedy: boolean }>;
  /** Literal query keys of the template, with the required value when the template has `k=v`. */
  literalQuery: Array<[string, string | undefined]>;
  requiredQuery: string[];
  /** Lower-cased names of required header members. */
  requiredHeaders: string[];
  literalSegments: number;
  deprecated: boolean;
  order: number;
}

interface RouteTable {
  routes: Route[];
  byMethod: Map<string, Route[]>;
  byOp: Map<string, Route>;
}

const routeTables = new WeakMap<ServiceModel, RouteTable>();

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles one `requestUri` template. Exported for tests. */
export function compileRoute(model: ServiceModel, op: Operation, order: number): Route {
  const uri = op.http?.requestUri ?? '/';
  const qi = uri.indexOf('?');
  const pathT = qi < 0 ? uri : uri.slice(0, qi);
  const queryT = qi < 0 ? '' : uri.slice(qi + 1);
  const labels: Route['labels'] = [];
  let re = '^';
  let literalSegments = 0;
  const segs = pathT.split('/').slice(1);
  let endsGreedy = false;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (i === segs.length - 1 && seg === '') break; // template ends with '/'
    re += '/';
    let literal = true;
    let j = 0;
    while (j < seg.length) {
      const open = seg.indexOf('{', j);
      if (open < 0) {
        re += escapeRegex(seg.slice(j));
        break;
      }
      re += escapeRegex(seg.slice(j, open));
      const close = seg.indexOf('}', open);
      if (close < 0) throw new Error(`bad requestUri ${uri}`);
      let name = seg.slice(open + 1, close);
      const greedy = name.endsWith('+');
      if (greedy) name = name.slice(0, -1);
      labels.push({ name, greedy });
      re += greedy ? '(.+)' : '([^/]+)';
      literal = false;
      endsGreedy = greedy && close === seg.length - 1 && i === segs.length - 1;
      j = close + 1;
    }
    if (literal && seg !== '') literalSegments++;
  }
  if (re === '^') re += '/';
  else if (!endsGreedy) re += '/?';
  re += '$';
  const literalQuery: Route['literalQuery'] = [];
  for (const part of queryT.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    literalQuery.push(eq < 0 ? [part, undefined] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  const requiredQuery: string[] = [];
  const requiredHeaders: string[] = [];
  if (op.input) {
    const shape = shapeOf(model, op.input.shape);
    for (const req of shape.required ?? []) {
      const ref = shape.members?.[req];
      if (!ref) continue;
      if (ref.location === 'querystring') requiredQuery.push(ref.locationName ?? req);
      else if (ref.location === 'header') requiredHeaders.push((ref.locationName ?? req).toLowerCase());
    }
  }
  return {
    op,
    method: (op.http?.method ?? 'POST').toUpperCase(),
    regex: new RegExp(re),
    labels,
    literalQuery,
    requiredQuery,
    requiredHeaders,
    literalSegments,
    deprecated: !!op.deprecated,
    order,
  };
}

function routeTable(model: ServiceModel): RouteTable {
  let t = routeTables.get(model);
  if (!t) {
    const routes: Route[] = [];
    const byOp = new Map<string, Route>();
    let order = 0;
    for (const [name, op] of Object.entries(model.operations)) {
      const r = compileRoute(model, op.name ? op : { ...op, name }, order++);
      routes.push(r);
      byOp.set(name, r);
    }
    const byMethod = new Map<string, Route[]>();
    for (const r of routes) {
      const list = byMethod.get(r.method);
      if (list) list.push(r);
      else byMethod.set(r.method, [r]);
    }
    t = { routes, byMethod, byOp };
    routeTables.set(model, t);
  }
  return t;
}

export interface RouteMatch {
  route: Route;
  /** Raw (still percent-encoded) label values by label name. */
  rawLabels: Record<string, string>;
}

export interface RouteResult {
  match?: RouteMatch;
  /** When nothing matched: true if some operation's path template matched with another method. */
  pathMatchedOtherMethod: boolean;
}

function literalQueryMatches(r: Route, q: QueryParams): boolean {
  for (const [k, v] of r.literalQuery) {
    const vals = q.get(k);
    if (!vals) return false;
    if (v !== undefined && !vals.includes(v)) return false;
  }
  return true;
}

function labelsOf(r: Route, m: RegExpExecArray): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < r.labels.length; i++) out[r.labels[i]!.name] = m[i + 1]!;
  return out;
}

/**
 * Finds the operation for `method` + `path` (raw, percent-encoded) + query, by the ranking in the
 * module header. Path matching is done on the raw path, so an encoded `%2F` never splits a label.
 */
export function routeRequest(model: ServiceModel, method: string, path: string, query: QueryParams, headers: Record<string, string>): RouteResult {
  const t = routeTable(model);
  const m = method.toUpperCase();
  let best: { r: Route; ex: RegExpExecArray; key: number[] } | undefined;
  for (const r of t.byMethod.get(m) ?? []) {
    const ex = r.regex.exec(path);
    if (!ex || !literalQueryMatches(r, query)) continue;
    let present = 0;
    let missing = 0;
    for (const k of r.requiredQuery) query.has(k) ? present++ : missing++;
    for (const h of r.requiredHeaders) headers[h] !== undefined ? present++ : missing++;
    const key = [missing === 0 ? 1 : 0, r.literalQuery.length, present, r.literalSegments, r.deprecated ? 0 : 1, -r.order];
    if (!best || compareKeys(key, best.key) > 0) best = { r, ex, key };
  }
  if (best) return { match: { route: best.r, rawLabels: labelsOf(best.r, best.ex) }, pathMatchedOtherMethod: false };
  const otherMethod = t.routes.some((r) => r.method !== m && r.regex.test(path));
  return { pathMatchedOtherMethod: otherMethod };
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Matches the request against one operation's template (for parseInput without a prior resolve). */
export function matchOperation(model: ServiceModel, op: Operation, path: string): RouteMatch | undefined {
  const r = routeTable(model).byOp.get(op.name);
  if (!r) return undefined;
  const ex = r.regex.exec(path);
  return ex ? { route: r, rawLabels: labelsOf(r, ex) } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Scalars as strings (headers, query, uri; also XML text)

export type ScalarPlace = 'header' | 'querystring' | 'uri' | 'body';

function defaultTsFormat(place: ScalarPlace): TimestampFormat {
  return place === 'header' ? 'rfc822' : 'iso8601';
}

/**
 * Parses a scalar from its string form per the shape type. Throws RestBindingError('type').
 * `argName` names the wire parameter in the error.
 */
export function parseScalarString(shape: Shape, s: string, argName: string): unknown {
  switch (shape.type) {
    case 'string':
      return s;
    case 'integer':
    case 'long': {
      const v = parseIntegerStrict(s.trim(), shape.type);
      if (v === undefined) throw new RestBindingError(`Provided ${argName} not an integer or within integer range`, 'type', argName, s);
      return v;
    }
    case 'biginteger': {
      const v = parseIntegerStrict(s.trim(), 'long');
      if (v === undefined) throw new RestBindingError(`Provided ${argName} not an integer or within integer range`, 'type', argName, s);
      return v;
    }
    case 'float':
    case 'double':
    case 'bigdecimal': {
      const v = parseFloatStrict(s.trim());
      if (v === undefined) throw new RestBindingError(`Provided ${argName} not a number`, 'type', argName, s);
      return v;
    }
    case 'boolean': {
      const v = parseBooleanStrict(s.trim());
      if (v === undefined) throw new RestBindingError(`Provided ${argName} not a boolean`, 'type', argName, s);
      return v;
    }
    case 'timestamp': {
      const v = parseTimestamp(s.trim());
      if (v === undefined) throw new RestBindingError(`Provided ${argName} not a valid timestamp`, 'type', argName, s);
      return v;
    }
    case 'blob': {
      const v = decodeBase64Strict(s);
      if (v === undefined) throw new RestBindingError(`Provided ${argName} not valid base64`, 'type', argName, s);
      return v;
    }
    default:
      throw new RestBindingError(`Provided ${argName} has an unsupported type`, 'type', argName, s);
  }
}

/** Formats a scalar for a header, the query string or a URI (timestamps per place unless the model says). */
export function formatScalarString(shape: Shape, ref: ShapeRef, v: unknown, place: ScalarPlace): string | undefined {
  switch (shape.type) {
    case 'timestamp': {
      const d = toDate(v);
      if (!d) return typeof v === 'string' ? v : undefined;
      return formatTimestamp(d, ref.timestampFormat ?? shape.timestampFormat ?? defaultTsFormat(place), true);
    }
    case 'blob':
      return encodeBase64(v);
    case 'boolean':
      return typeof v === 'string' ? v : v ? 'true' : 'false';
    case 'float':
    case 'double':
      return typeof v === 'number' ? formatFloat(v) : String(v);
    case 'integer':
    case 'long':
      return typeof v === 'number' ? String(Math.trunc(v)) : String(v);
    default:
      return typeof v === 'string' ? v : String(v);
  }
}

// ---------------------------------------------------------------------------------------------
// Input bindings

interface BindingPlan {
  /** Members bound to the HTTP message (uri, querystring, header, headers). */
  bound: Array<{ name: string; ref: ShapeRef; shape: Shape; wire: string }>;
  /** Member names that go in the body (no location), when there is no payload member. */
  bodyMembers: string[];
  payload?: { name: string; ref: ShapeRef; shape: Shape };
}

const bindingPlans = new WeakMap<ServiceModel, Map<string, BindingPlan>>();

export function bindingPlan(model: ServiceModel, shapeName: string): BindingPlan {
  let m = bindingPlans.get(model);
  if (!m) {
    m = new Map();
    bindingPlans.set(model, m);
  }
  let p = m.get(shapeName);
  if (p) return p;
  const shape = shapeOf(model, shapeName);
  const bound: BindingPlan['bound'] = [];
  const bodyMembers: string[] = [];
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    if (ref.location) {
      const wire = ref.locationName ?? name;
      bound.push({ name, ref, shape: shapeOf(model, ref.shape), wire: ref.location === 'header' || ref.location === 'headers' ? wire.toLowerCase() : wire });
    } else if (name !== shape.payload) bodyMembers.push(name);
  }
  p = { bound, bodyMembers };
  if (shape.payload && shape.members?.[shape.payload]) {
    const ref = shape.members[shape.payload]!;
    p.payload = { name: shape.payload, ref, shape: shapeOf(model, ref.shape) };
  }
  m.set(shapeName, p);
  return p;
}

function parseHeaderValue(model: ServiceModel, ref: ShapeRef, shape: Shape, raw: string, wire: string): unknown {
  if (shape.type === 'list') {
    const itemShape = shapeOf(model, shape.member?.shape ?? 'String');
    const parts = itemShape.type === 'timestamp' && !/^\d/.test(raw.trim()) ? splitHttpDates(raw) : raw.split(',');
    return parts.map((p) => p.trim()).filter((p) => p !== '').map((p) => parseScalarString(itemShape, unquote(p), wire));
  }
  if (shape.type === 'string' && (ref.jsonvalue || (shape as { jsonvalue?: boolean }).jsonvalue)) {
    const buf = decodeBase64Strict(raw);
    if (!buf) throw new RestBindingError(`Provided ${wire} not valid base64`, 'type', wire, raw);
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch {
      throw new RestBindingError(`Provided ${wire} not valid JSON`, 'type', wire, raw);
    }
  }
  return parseScalarString(shape, raw, wire);
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function splitHttpDates(raw: string): string[] {
  // `Tue, 02 Jan 2024 03:04:05 GMT, Wed, 03 Jan 2024 ...`: split after each `GMT`.
  return raw.split(/(?<=GMT)\s*,\s*/);
}

/**
 * Binds the HTTP-located members of the input shape (uri, querystring, header, headers) into `out`.
 * `consumedQuery` lists query keys that a querystring map must not take (e.g. the route's literals).
 */
export function bindHttpInput(
  model: ServiceModel,
  shapeName: string,
  req: WireRequest,
  rawLabels: Record<string, string>,
  query: QueryParams,
  consumedQuery: Iterable<string>,
  out: Record<string, unknown>,
  /** Headers whose unparsable values are ignored rather than rejected (HTTP conditionals: RFC 9110 §13.1.3). */
  ignoreInvalidHeader?: (wire: string) => boolean,
): void {
  const plan = bindingPlan(model, shapeName);
  let queryMaps: Array<(typeof plan.bound)[number]> | undefined;
  const usedQuery = new Set<string>(consumedQuery);
  for (const b of plan.bound) {
    switch (b.ref.location) {
      case 'uri': {
        const raw = rawLabels[b.wire];
        if (raw === undefined) break;
        out[b.name] = parseScalarString(b.shape, decodePathComponent(raw), b.wire);
        break;
      }
      case 'querystring': {
        if (b.shape.type === 'map') {
          (queryMaps ??= []).push(b);
          break;
        }
        usedQuery.add(b.wire);
        const vals = query.get(b.wire);
        if (!vals) break;
        if (b.shape.type === 'list') {
          const itemShape = shapeOf(model, b.shape.member?.shape ?? 'String');
          out[b.name] = vals.map((v) => parseScalarString(itemShape, v, b.wire));
        } else out[b.name] = parseScalarString(b.shape, vals[0]!, b.wire);
        break;
      }
      case 'header': {
        const raw = req.headers[b.wire];
        if (raw === undefined) break;
        try {
          out[b.name] = parseHeaderValue(model, b.ref, b.shape, raw, b.wire);
        } catch (e) {
          if (!(e instanceof RestBindingError && ignoreInvalidHeader?.(b.wire))) throw e;
        }
        break;
      }
      case 'headers': {
        const prefix = b.wire;
        const valueShape = shapeOf(model, b.shape.value?.shape ?? 'String');
        let map: Record<string, unknown> | undefined;
        for (const [h, v] of Object.entries(req.headers)) {
          if (h.length > prefix.length && h.startsWith(prefix)) {
            (map ??= {})[h.slice(prefix.length)] = parseScalarString(valueShape, v, h);
          }
        }
        if (map) out[b.name] = map;
        break;
      }
      default:
        break;
    }
  }
  if (queryMaps) {
    for (const b of queryMaps) {
      const valueShape = shapeOf(model, b.shape.value?.shape ?? 'String');
      const map: Record<string, unknown> = {};
      let any = false;
      for (const [k, vals] of query) {
        if (usedQuery.has(k)) continue;
        any = true;
        if (valueShape.type === 'list') {
          const itemShape = shapeOf(model, valueShape.member?.shape ?? 'String');
          map[k] = vals.map((v) => parseScalarString(itemShape, v, k));
        } else map[k] = parseScalarString(valueShape, vals[0]!, k);
      }
      if (any) out[b.name] = map;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Output bindings

/** Makes a header value safe for Node's http layer: non-ASCII text is RFC 2047-encoded (as S3 does), controls dropped. */
export function safeHeaderValue(v: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\t\x20-\x7e]*$/.test(v)) return v;
  // eslint-disable-next-line no-control-regex
  const cleaned = v.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
  // eslint-disable-next-line no-control-regex
  if (/^[\t\x20-\x7e]*$/.test(cleaned)) return cleaned;
  return `=?UTF-8?B?${Buffer.from(cleaned, 'utf8').toString('base64')}?=`;
}

export interface HttpOutputParts {
  status: number;
  headers: Record<string, string>;
  plan: BindingPlan | undefined;
}

/** Status and headers from the output's `statusCode`, `header` and `headers` members. */
export function bindHttpOutput(model: ServiceModel, op: Operation, output: Record<string, unknown> | undefined): HttpOutputParts {
  let status = op.http?.responseCode ?? 200;
  const headers: Record<string, string> = {};
  if (!op.output) return { status, headers, plan: undefined };
  const plan = bindingPlan(model, op.output.shape);
  if (!output) return { status, headers, plan };
  for (const b of plan.bound) {
    const v = output[b.name];
    if (v === undefined || v === null) continue;
    const wire = b.ref.locationName ?? b.name;
    switch (b.ref.location) {
      case 'statusCode':
        if (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599) status = v;
        break;
      case 'header': {
        let s: string | undefined;
        if (b.shape.type === 'list' && Array.isArray(v)) {
          const itemShape = shapeOf(model, b.shape.member?.shape ?? 'String');
          const items = v.filter((x) => x !== undefined && x !== null).map((x) => formatScalarString(itemShape, b.shape.member!, x, 'header') ?? '');
          s = items.map((x) => (itemShape.type === 'string' && /[,"]/.test(x) ? `"${x.replace(/"/g, '\\"')}"` : x)).join(', ');
        } else if (b.shape.type === 'string' && b.ref.jsonvalue) {
          s = Buffer.from(JSON.stringify(v), 'utf8').toString('base64');
        } else s = formatScalarString(b.shape, b.ref, v, 'header');
        if (s !== undefined) headers[wire] = safeHeaderValue(s);
        break;
      }
      case 'headers': {
        if (typeof v !== 'object') break;
        const valueRef = b.shape.value ?? { shape: 'String' };
        const valueShape = shapeOf(model, valueRef.shape);
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
          if (x === undefined || x === null) continue;
          const s = formatScalarString(valueShape, valueRef, x, 'header');
          if (s !== undefined) headers[wire + k] = safeHeaderValue(s);
        }
        break;
      }
      default:
        break;
    }
  }
  return { status, headers, plan };
}

/** Strict UTF-8 decoding; undefined when the bytes are not valid UTF-8. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
export function decodeUtf8(buf: Buffer): string | undefined {
  try {
    return utf8.decode(buf);
  } catch {
    return undefined;
  }
}

/** Per-request memo so resolveOperation and parseInput share one query parse and one route match. */
export interface RequestMemo {
  query: QueryParams;
  path: string;
  result?: RouteResult;
}
const memos = new WeakMap<WireRequest, RequestMemo>();

export function requestMemo(req: WireRequest, pathOf: (req: WireRequest) => string): RequestMemo {
  let m = memos.get(req);
  if (!m) {
    m = { query: parseQueryString(req.rawQuery), path: pathOf(req) };
    memos.set(req, m);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Request reading shared by the REST protocols: only the body format and error forms differ.
// ---------------------------------------------------------------------------------------------

export type PayloadBinding = NonNullable<BindingPlan['payload']>;

/** What a REST protocol (rest-xml, rest-json) supplies to the shared request reader. */
export interface RestDialect {
  /** The routable path of a request (S3 folds a virtual-host bucket in). */
  pathOf(req: WireRequest): string;
  /** Rethrows any failure as this protocol's ServiceError. */
  fail(e: unknown): never;
  /** The error for a request that no operation's route matches. */
  noRoute(req: WireRequest, path: string): ServiceError;
  /** The error for a string payload that is not valid UTF-8. */
  badText(): ServiceError;
  /** Whether a body holds anything to read (S3 ignores a whitespace-only body). */
  hasBody(body: Buffer): boolean;
  /** Reads a structured payload member from a body that has content. */
  readPayload(model: ServiceModel, payload: PayloadBinding, body: Buffer): unknown;
  /** Reads the input structure's body members from a body that has content. */
  readMembers(model: ServiceModel, shapeName: string, body: Buffer): Record<string, unknown>;
  /** Headers whose unparsable values are ignored rather than rejected. */
  lenientHeader?: (wire: string) => boolean;
}

export function resolveRestOperation(d: RestDialect, req: WireRequest, model: ServiceModel): Operation {
  let memo: RequestMemo;
  try {
    memo = requestMemo(req, d.pathOf);
  } catch (e) {
    d.fail(e);
  }
  memo.result ??= routeRequest(model, req.method, memo.path, memo.query, req.headers);
  const m = memo.result.match;
  if (!m) throw d.noRoute(req, memo.path);
  return m.route.op;
}

export function parseRestInput(d: RestDialect, req: WireRequest, model: ServiceModel, op: Operation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!op.input) return out;
  try {
    const memo = requestMemo(req, d.pathOf);
    const match = memo.result?.match?.route.op === op ? memo.result.match : matchOperation(model, op, memo.path);
    const literalKeys = match ? match.route.literalQuery.map(([k]) => k) : [];
    bindHttpInput(model, op.input.shape, req, match?.rawLabels ?? {}, memo.query, literalKeys, out, d.lenientHeader);
    const plan = bindingPlan(model, op.input.shape);
    if (plan.payload) {
      const p = plan.payload;
      if (p.shape.type === 'blob') {
        out[p.name] = req.body;
      } else if (p.shape.type === 'string') {
        if (req.body.length > 0) {
          const s = decodeUtf8(req.body);
          if (s === undefined) throw d.badText();
          out[p.name] = s;
        }
      } else if (req.body.length > 0 && d.hasBody(req.body)) {
        const v = d.readPayload(model, p, req.body);
        if (v !== undefined) out[p.name] = v;
      }
    } else if (plan.bodyMembers.length > 0 && req.body.length > 0 && d.hasBody(req.body)) {
      Object.assign(out, d.readMembers(model, op.input.shape, req.body));
    }
  } catch (e) {
    d.fail(e);
  }
  return out;
}
