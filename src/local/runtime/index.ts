/**
 * The local SageMaker Runtime: `POST /endpoints/{EndpointName}/invocations`
 * (restJson1, signing name `sagemaker`), forwarded to the endpoint's serving
 * container. Headers, limits and errors follow AWS: see invoke-endpoint.ts.
 */
import type { Service, ServiceFactory } from "../http/types";
import { backendFor } from "../sagemaker/backend";
import { invokeEndpoint, MAX_PAYLOAD_BYTES, payloadTooLarge, runtimeError } from "./invoke-endpoint";

const INVOCATIONS = /^\/endpoints\/([^/]+)\/invocations$/;

export const sagemakerRuntimeService: ServiceFactory = (ctx): Service => {
  const b = backendFor(ctx);
  return {
    signingName: "sagemaker",
    matches: (req) => req.method === "POST" && req.path.startsWith("/endpoints/"),
    maxBodyBytes: MAX_PAYLOAD_BYTES,
    tooLarge: (req) => payloadTooLarge(req),
    async handle(req) {
      const m = INVOCATIONS.exec(req.path);
      if (!m) {
        return runtimeError(req.requestId, 404, "UnknownOperationException", `The local SageMaker Runtime answers POST /endpoints/{EndpointName}/invocations only, not ${req.path}.`);
      }
      await b.ready();
      return invokeEndpoint(
        {
          route: (name, variant) => b.hosting.route(name, variant),
          region: ctx.region,
          accountId: ctx.accountId,
          timeoutMs: b.runner.settings.invocationTimeoutMs,
        },
        m[1],
        req,
      );
    },
    start: () => b.ready(),
    close: () => b.close(),
  };
};
