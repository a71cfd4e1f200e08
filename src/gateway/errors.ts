/**
 * ServiceError: the one error value that handlers, the authenticator, the parser and the
 * pipeline throw. The protocol serializer of the detected service renders it in that
 * protocol's envelope (query ErrorResponse, EC2 Response/Errors, S3 bare Error, JSON __type).
 */
export class ServiceError extends Error {
  /** AWS error code, e.g. `NoSuchEntity`, `ValidationError`, `AuthFailure`. */
  readonly code: string;
  /** HTTP status AWS answers with for this error. */
  readonly status: number;
  /** `Sender` (client fault) or `Receiver` (server fault), as the query protocol's `<Type>` says. */
  readonly senderFault: boolean;
  /** Extra members rendered inside the error body (e.g. S3 `BucketName`, STS `PackedPolicySize`). */
  readonly fields: Record<string, string | number | boolean>;
  /** Extra response headers (e.g. `x-amzn-query-error`, S3's `x-amz-bucket-region`). */
  readonly headers: Record<string, string>;

  constructor(
    code: string,
    message: string,
    status = 400,
    opts: { senderFault?: boolean; fields?: Record<string, string | number | boolean>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ServiceError';
    this.code = code;
    this.status = status;
    this.senderFault = opts.senderFault ?? status < 500;
    this.fields = opts.fields ?? {};
    this.headers = opts.headers ?? {};
  }
}

export function isServiceError(e: unknown): e is ServiceError {
  return e instanceof ServiceError;
}

/** An internal failure rendered as AWS does: `InternalFailure`/`InternalError`, HTTP 500. */
export function internalError(code = 'InternalFailure'): ServiceError {
  return new ServiceError(code, 'We encountered an internal error. Please try again.', 500, { senderFault: false });
}
