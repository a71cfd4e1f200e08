/**
 * The AWS `ec2` protocol (Amazon EC2's own dialect of the query protocol).
 *
 * Requests: form parameters as for `query` (see query.ts, whose parser this codec shares), but
 * named as botocore's EC2Serializer names them: a member's `queryName`, else its `locationName`
 * with the first letter capitalised, else the member name; lists are always flattened
 * (`SecurityGroupId.1`, `Filter.1.Value.1`) and the list member's `locationName` is never part of
 * the key; empty lists are not sent.
 *
 * Responses: `<?xml …?>` then `<OpResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
 * <requestId>…</requestId>…members…</OpResponse>`: no result wrapper; element names are the
 * members' (lowerCamel) `locationName`s; lists are `<name><item>…</item></name>`; timestamps carry
 * milliseconds (`2024-01-02T03:04:05.000Z`). `Content-Type: text/xml;charset=UTF-8`.
 * Errors: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`
 * (note `RequestID`).
 *
 * AWS behaviour matched here:
 * - the model's `xmlNamespace` lacks the trailing slash EC2 puts on the wire; it is added.
 * - operations modelled without output answer `<return>true</return>` (e.g. RebootInstances).
 * - unknown parameters are refused: `UnknownParameter` "The parameter X is not recognized" (400),
 *   X being the unrecognised name segment (EC2 matches parameter names case-sensitively).
 * - unknown Action: `InvalidAction` "The action X is not valid for this web service." (400).
 */
import type { ServiceModel, Operation } from '../model/types.js';
import type { ServiceError } from '../gateway/errors.js';
import type { ProtocolCodec, WireRequest, WireResponse, ResponseContext } from './types.js';
import { parseQueryInput, resolveQueryOperation, errorFieldsXml } from './query.js';
import { writeXmlMembers, xmlEscape } from './xml-serialize.js';

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

const nsCache = new WeakMap<ServiceModel, string>();

/** The EC2 response namespace: the model's, with the trailing slash EC2 sends. */
export function ec2Namespace(model: ServiceModel): string {
  let ns = nsCache.get(model);
  if (ns === undefined) {
    const raw = model.metadata.xmlNamespace ?? `http://ec2.amazonaws.com/doc/${model.metadata.apiVersion}/`;
    ns = xmlEscape(raw.endsWith('/') ? raw : raw + '/');
    nsCache.set(model, ns);
  }
  return ns;
}

function headers(ctx: ResponseContext, extra?: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-RequestId': ctx.requestId };
  if (extra) for (const k of Object.keys(extra)) h[k] = extra[k]!;
  return h;
}

/** The EC2 `<Response><Errors>…` document for an error. */
export function ec2ErrorBody(err: ServiceError, requestId: string): string {
  return (
    XML_DECL +
    `<Response><Errors><Error><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message>` +
    errorFieldsXml(err) +
    `</Error></Errors><RequestID>${xmlEscape(requestId)}</RequestID></Response>`
  );
}

export const ec2Codec: ProtocolCodec = {
  name: 'ec2',

  resolveOperation(req: WireRequest, model: ServiceModel): Operation {
    return resolveQueryOperation(req, model, 'ec2');
  },

  parseInput(req: WireRequest, model: ServiceModel, op: Operation): Record<string, unknown> {
    return parseQueryInput(req, model, op, 'ec2');
  },

  serializeOutput(model: ServiceModel, op: Operation, output: Record<string, unknown> | undefined, ctx: ResponseContext): WireResponse {
    const root = op.name + 'Response';
    let body = `${XML_DECL}<${root} xmlns="${ec2Namespace(model)}"><requestId>${xmlEscape(ctx.requestId)}</requestId>`;
    if (op.output) body += writeXmlMembers(model, op.output.shape, output, 'ec2');
    else body += '<return>true</return>';
    body += `</${root}>`;
    return { status: 200, headers: headers(ctx), body };
  },

  serializeError(_model: ServiceModel, _op: Operation | undefined, err: ServiceError, ctx: ResponseContext): WireResponse {
    return { status: err.status, headers: headers(ctx, err.headers), body: ec2ErrorBody(err, ctx.requestId) };
  },
};
