/**
 * Errors an awsJson1_1 service answers with. `code` becomes `__type` and the
 * `x-amzn-ErrorType` header, which is what the AWS SDKs (v3, boto3, the CLI)
 * read to pick the exception class.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /**
     * The body member the message goes in: modeled SageMaker errors
     * (ResourceInUse, ResourceNotFound, ...) declare `Message`, while
     * unmodeled ones (ValidationException) use `message`.
     */
    readonly messageKey: "message" | "Message" = "message",
  ) {
    super(message);
    this.name = code;
  }
}

export const validationException = (message: string): ApiError => new ApiError("ValidationException", message);
export const resourceInUse = (message: string): ApiError => new ApiError("ResourceInUse", message, 400, "Message");
