/**
 * Shape-driven XML output writer shared by the XML protocols (query, ec2, rest-xml).
 *
 * It walks a botocore model shape and a plain value (keyed by member names) and builds XML by
 * string concatenation; per-shape plans (element names, kinds) are computed lazily and cached
 * per model and flavour (a WeakMap, so dropping a model frees them).
 *
 * Naming rules (botocore's XML response parsers are the reference):
 * - a structure member's element is the member's `locationName` (ref first, then shape), else the member name;
 * - a list is `<Name><m>..</m><m>..</m></Name>` where `m` is the list member's `locationName`, else `member`;
 *   a flattened list repeats the element itself, named by the list member's `locationName` if it has one,
 *   else by the structure member's name;
 * - a map is `<Name><entry><key>k</key><value>v</value></entry></Name>` (key/value names from their
 *   `locationName`); flattened maps drop the `entry` wrapper and repeat `<Name>` per entry;
 * - members with `xmlAttribute` become attributes of their structure's element, and `xmlNamespace`
 *   (ref or shape) becomes an `xmlns`/`xmlns:prefix` attribute;
 * - members bound to HTTP (`location`: header, uri, querystring, statusCode) are never written;
 * - undefined and null values (and null list items) are omitted;
 * - timestamps: ISO 8601 to the second for `query`, with milliseconds for `ec2` and `rest-xml`, unless the
 *   member or shape carries `timestampFormat`; booleans `true`/`false`; blobs base64; floats spell out
 *   `NaN`/`Infinity`.
 */
import type { ServiceModel, Shape, ShapeRef } from '../model/types.js';
import { encodeBase64, formatFloat, formatTimestamp, toDate, type TimestampFormat } from './wire-values.js';

export type XmlFlavor = 'query' | 'ec2' | 'rest-xml';

const ESCAPE_TEST = /[&<>"'\r]/;
const ESCAPE_ALL = /[&<>"'\r]/g;
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' };

/** Escapes text content or an attribute value (`&<>"'` and carriage return). */
export function xmlEscape(s: string): string {
  return ESCAPE_TEST.test(s) ? s.replace(ESCAPE_ALL, (c) => ESC[c]!) : s;
}

const enum Kind {
  Structure,
  List,
  Map,
  String,
  Integer,
  Float,
  Boolean,
  Timestamp,
  Blob,
}

interface ValuePlan {
  kind: Kind;
  shapeName: string;
  shape: Shape;
  /** Timestamp format from the ref or the shape, if any. */
  tsFormat?: TimestampFormat;
  /** ` xmlns="…"` / ` xmlns:p="…"` for this element, or ''. */
  nsAttr: string;
}

interface MemberPlan extends ValuePlan {
  memberName: string;
  /** Element name (or attribute name when `attribute`). */
  name: string;
  attribute: boolean;
  /** `flattened` set on the member ref (rather than on the list/map shape). */
  refFlattened: boolean;
}

interface StructPlan {
  /** Element members in model order. */
  elements: MemberPlan[];
  /** Members rendered as attributes of the structure's own element. */
  attributes: MemberPlan[];
}

interface ListPlan {
  flattened: boolean;
  /** Item element name for a non-flattened list. */
  itemName: string;
  /** The list member's own locationName, if any (names flattened items). */
  memberLocationName: string | undefined;
  item: ValuePlan;
}

interface MapPlan {
  flattened: boolean;
  keyName: string;
  valueName: string;
  key: ValuePlan;
  value: ValuePlan;
}

interface Cache {
  structs: Map<string, StructPlan>;
  lists: Map<string, ListPlan>;
  maps: Map<string, MapPlan>;
}

const caches = new WeakMap<ServiceModel, Cache>();

function cacheFor(model: ServiceModel): Cache {
  let c = caches.get(model);
  if (!c) {
    c = { structs: new Map(), lists: new Map(), maps: new Map() };
    caches.set(model, c);
  }
  return c;
}

function kindOf(shape: Shape): Kind {
  switch (shape.type) {
    case 'structure':
      return Kind.Structure;
    case 'list':
      return Kind.List;
    case 'map':
      return Kind.Map;
    case 'integer':
    case 'long':
    case 'biginteger':
      return Kind.Integer;
    case 'float':
    case 'double':
    case 'bigdecimal':
      return Kind.Float;
    case 'boolean':
      return Kind.Boolean;
    case 'timestamp':
      return Kind.Timestamp;
    case 'blob':
      return Kind.Blob;
    default:
      return Kind.String;
  }
}

function getShape(model: ServiceModel, name: string): Shape {
  const s = Object.prototype.hasOwnProperty.call(model.shapes, name) ? model.shapes[name] : undefined;
  if (!s) throw new Error(`model has no shape ${name}`);
  return s;
}

function nsAttrOf(ns: { uri: string; prefix?: string } | undefined): string {
  if (!ns || !ns.uri) return '';
  return ns.prefix ? ` xmlns:${ns.prefix}="${xmlEscape(ns.uri)}"` : ` xmlns="${xmlEscape(ns.uri)}"`;
}

function valuePlan(model: ServiceModel, ref: ShapeRef): ValuePlan {
  const shape = getShape(model, ref.shape);
  return {
    kind: kindOf(shape),
    shapeName: ref.shape,
    shape,
    tsFormat: ref.timestampFormat ?? shape.timestampFormat,
    nsAttr: nsAttrOf(ref.xmlNamespace ?? shape.xmlNamespace),
  };
}

function structPlan(model: ServiceModel, shapeName: string): StructPlan {
  const c = cacheFor(model);
  let p = c.structs.get(shapeName);
  if (p) return p;
  const shape = getShape(model, shapeName);
  const elements: MemberPlan[] = [];
  const attributes: MemberPlan[] = [];
  for (const [memberName, ref] of Object.entries(shape.members ?? {})) {
    if (ref.location) continue; // bound to the HTTP message, not the body
    const vp = valuePlan(model, ref);
    let name = ref.locationName ?? vp.shape.locationName ?? memberName;
    if (vp.kind === Kind.List && (ref.flattened || vp.shape.flattened) && vp.shape.member?.locationName) {
      name = vp.shape.member.locationName;
    }
    const mp: MemberPlan = { ...vp, memberName, name, attribute: !!ref.xmlAttribute, refFlattened: !!ref.flattened };
    (mp.attribute ? attributes : elements).push(mp);
  }
  p = { elements, attributes };
  c.structs.set(shapeName, p);
  return p;
}

function listPlan(model: ServiceModel, shapeName: string, shape: Shape, refFlattened: boolean): ListPlan {
  const c = cacheFor(model);
  const key = refFlattened ? shapeName + '\u0000f' : shapeName;
  let p = c.lists.get(key);
  if (p) return p;
  const member = shape.member ?? { shape: 'String' };
  p = {
    flattened: refFlattened || !!shape.flattened,
    itemName: member.locationName ?? 'member',
    memberLocationName: member.locationName,
    item: valuePlan(model, member),
  };
  c.lists.set(key, p);
  return p;
}

function mapPlan(model: ServiceModel, shapeName: string, shape: Shape, refFlattened: boolean): MapPlan {
  const c = cacheFor(model);
  const key = refFlattened ? shapeName + '\u0000f' : shapeName;
  let p = c.maps.get(key);
  if (p) return p;
  const k = shape.key ?? { shape: 'String' };
  const v = shape.value ?? { shape: 'String' };
  p = {
    flattened: refFlattened || !!shape.flattened,
    keyName: k.locationName ?? 'key',
    valueName: v.locationName ?? 'value',
    key: valuePlan(model, k),
    value: valuePlan(model, v),
  };
  c.maps.set(key, p);
  return p;
}

function scalarText(plan: ValuePlan, value: unknown, flavor: XmlFlavor): string | undefined {
  switch (plan.kind) {
    case Kind.String:
      return xmlEscape(typeof value === 'string' ? value : String(value));
    case Kind.Integer:
      if (typeof value === 'number') return Number.isFinite(value) ? String(Math.trunc(value)) : undefined;
      if (typeof value === 'bigint') return value.toString();
      return xmlEscape(String(value));
    case Kind.Float:
      if (typeof value === 'number') return formatFloat(value);
      return xmlEscape(String(value));
    case Kind.Boolean:
      if (typeof value === 'string') return value === 'true' || value === 'false' ? value : value ? 'true' : 'false';
      return value ? 'true' : 'false';
    case Kind.Timestamp: {
      const d = toDate(value);
      if (!d) return typeof value === 'string' ? xmlEscape(value) : undefined;
      return formatTimestamp(d, plan.tsFormat ?? 'iso8601', flavor !== 'query');
    }
    case Kind.Blob:
      return encodeBase64(value);
    default:
      return undefined;
  }
}

function attributesText(model: ServiceModel, plan: StructPlan, value: Record<string, unknown>, flavor: XmlFlavor): string {
  let out = '';
  for (const m of plan.attributes) {
    const v = value[m.memberName];
    if (v === undefined || v === null) continue;
    const t = scalarText(m, v, flavor);
    if (t !== undefined) out += ` ${m.name}="${t}"`;
  }
  return out;
}

/** Writes one value of `plan`'s shape as element(s) named `name`. */
function writeValue(model: ServiceModel, plan: ValuePlan, name: string, value: unknown, flavor: XmlFlavor, refFlattened: boolean, depth: number, extraAttrs = ''): string {
  if (depth > 200) throw new Error('XML serialization nested too deeply');
  switch (plan.kind) {
    case Kind.Structure: {
      if (typeof value !== 'object' || value === null) return '';
      const sp = structPlan(model, plan.shapeName);
      const rec = value as Record<string, unknown>;
      const attrs = plan.nsAttr + extraAttrs + (sp.attributes.length ? attributesText(model, sp, rec, flavor) : '');
      const inner = membersText(model, sp, rec, flavor, depth + 1);
      return inner === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${inner}</${name}>`;
    }
    case Kind.List: {
      if (!Array.isArray(value)) return '';
      const lp = listPlan(model, plan.shapeName, plan.shape, refFlattened);
      if (lp.flattened) {
        let out = '';
        for (const item of value) if (item !== undefined && item !== null) out += writeValue(model, lp.item, name, item, flavor, false, depth + 1);
        return out;
      }
      let inner = '';
      for (const item of value) if (item !== undefined && item !== null) inner += writeValue(model, lp.item, lp.itemName, item, flavor, false, depth + 1);
      return inner === '' ? `<${name}${plan.nsAttr}${extraAttrs}/>` : `<${name}${plan.nsAttr}${extraAttrs}>${inner}</${name}>`;
    }
    case Kind.Map: {
      if (typeof value !== 'object' || value === null) return '';
      const mp = mapPlan(model, plan.shapeName, plan.shape, refFlattened);
      const entries = value instanceof Map ? [...(value as Map<unknown, unknown>).entries()] : Object.entries(value as Record<string, unknown>);
      let out = '';
      for (const [k, v] of entries) {
        if (v === undefined || v === null) continue;
        const pair = writeValue(model, mp.key, mp.keyName, k, flavor, false, depth + 1) + writeValue(model, mp.value, mp.valueName, v, flavor, false, depth + 1);
        out += mp.flattened ? `<${name}>${pair}</${name}>` : `<entry>${pair}</entry>`;
      }
      if (mp.flattened) return out;
      return out === '' ? `<${name}${plan.nsAttr}${extraAttrs}/>` : `<${name}${plan.nsAttr}${extraAttrs}>${out}</${name}>`;
    }
    default: {
      const t = scalarText(plan, value, flavor);
      if (t === undefined) return '';
      return `<${name}${plan.nsAttr}${extraAttrs}>${t}</${name}>`;
    }
  }
}

function membersText(model: ServiceModel, sp: StructPlan, value: Record<string, unknown>, flavor: XmlFlavor, depth: number): string {
  let out = '';
  for (const m of sp.elements) {
    const v = value[m.memberName];
    if (v === undefined || v === null) continue;
    out += writeValue(model, m, m.name, v, flavor, m.refFlattened, depth);
  }
  return out;
}

/**
 * Inner XML (child elements only, model order) of a structure value of shape `shapeName`.
 * Members bound to HTTP locations and `xmlAttribute` members are skipped.
 */
export function writeXmlMembers(model: ServiceModel, shapeName: string, value: Record<string, unknown> | undefined, flavor: XmlFlavor): string {
  if (!value) return '';
  return membersText(model, structPlan(model, shapeName), value, flavor, 0);
}

/**
 * One complete element named `elementName` for `value` of the shape `ref` points at (a flattened
 * list yields repeated elements). `extraAttrs` is raw attribute text added to the element, e.g.
 * ` xmlns="http://s3.amazonaws.com/doc/2006-03-01/"` (caller escapes it).
 */
export function writeXmlElement(model: ServiceModel, ref: ShapeRef, elementName: string, value: unknown, flavor: XmlFlavor, extraAttrs = ''): string {
  if (value === undefined || value === null) return '';
  const vp = valuePlan(model, ref);
  return writeValue(model, vp, elementName, value, flavor, !!ref.flattened, 0, extraAttrs);
}

/** Attribute text (` name="value"` …) for a structure's `xmlAttribute` members, for callers writing their own root element. */
export function writeXmlAttributes(model: ServiceModel, shapeName: string, value: Record<string, unknown> | undefined, flavor: XmlFlavor): string {
  if (!value) return '';
  return attributesText(model, structPlan(model, shapeName), value, flavor);
}
