/**
 * The local SageMaker control plane: awsJson1_1, `X-Amz-Target: SageMaker.<Operation>`,
 * signing name `sagemaker`. See src/local/README.md for what it supports.
 */
import type { Service, ServiceFactory } from "../http/types";
import { backendFor } from "./backend";
import { createJsonService } from "./json/protocol";
import { endpointConfigOperations } from "./handlers/endpoint-configs";
import { endpointOperations } from "./handlers/endpoints";
import { modelOperations } from "./handlers/models";
import { trainingJobOperations } from "./handlers/training-jobs";
import { transformJobOperations } from "./handlers/transform-jobs";
import { SAGEMAKER_TABLES } from "./tables/sagemaker.generated";

export const sagemakerService: ServiceFactory = (ctx): Service => {
  const b = backendFor(ctx);
  return createJsonService({
    signingName: "sagemaker",
    targetPrefix: "SageMaker",
    tables: SAGEMAKER_TABLES,
    validationErrorCode: "ValidationException",
    operations: {
      ...trainingJobOperations(b),
      ...modelOperations(b),
      ...endpointConfigOperations(b),
      ...endpointOperations(b),
      ...transformJobOperations(b),
    },
    beforeOperation: () => b.ready(),
    onInternalError: (err, op) => ctx.logger.error("SageMaker operation failed", { op, error: String((err as Error).stack ?? err) }),
    start: () => b.ready(),
    close: () => b.close(),
  });
};
