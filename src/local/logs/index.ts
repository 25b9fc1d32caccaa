/**
 * The local CloudWatch Logs subset: awsJson1_1, `X-Amz-Target: Logs_20140328.<Operation>`,
 * signing name `logs`. It serves the logs the local SageMaker writes: training jobs
 * (`/aws/sagemaker/TrainingJobs`, streams `<job>/algo-1-<epoch>`), transform jobs
 * (`/aws/sagemaker/TransformJobs`) and endpoints (`/aws/sagemaker/Endpoints/<name>`).
 */
import type { Service, ServiceFactory } from "../http/types";
import { backendFor } from "../sagemaker/backend";
import { createJsonService } from "../sagemaker/json/protocol";
import { partitionOf } from "../sagemaker/model/arns";
import { logsOperations } from "./operations";
import { LOGS_TABLES } from "./tables.generated";

export const logsService: ServiceFactory = (ctx): Service => {
  const b = backendFor(ctx);
  return createJsonService({
    signingName: "logs",
    targetPrefix: "Logs_20140328",
    tables: LOGS_TABLES,
    validationErrorCode: "InvalidParameterException",
    operations: logsOperations(b.logs, { region: ctx.region, accountId: ctx.accountId, partition: partitionOf(ctx.region) }),
    beforeOperation: () => b.ready(),
    onInternalError: (err, op) => ctx.logger.error("CloudWatch Logs operation failed", { op, error: String((err as Error).stack ?? err) }),
    start: () => b.ready(),
    close: () => b.close(),
  });
};
