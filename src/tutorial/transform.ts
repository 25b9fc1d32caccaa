/** Batch transform (C10-C12): the request, running the job with progress, and reading its `.out` files. */
import {
  CreateTransformJobCommand,
  DescribeTransformJobCommand,
  type CreateTransformJobRequest,
  type DescribeTransformJobResponse,
  type TransformInstanceType,
} from "@aws-sdk/client-sagemaker";
import { checkResourceName } from "./names";
import { listKeys, parseS3Uri, readObjectText } from "./s3";
import { pollUntilSettled } from "./poll";
import { formatDuration, startProgress } from "./progress";
import { parsePrediction, topLabel, type LabelledPrediction } from "./predictions";
import type { TutorialSession } from "./session";

export interface TransformRequestInput {
  batchJobName: string;
  modelName: string;
  bucket: string;
  /** s3:// prefix of the images to classify. */
  batchInput: string;
  instanceType?: string;
  instanceCount?: number;
}

/** The tutorial's transform request: one image per request, JSON out to s3://<bucket>/<job>/output. */
export function buildTransformJobRequest(input: TransformRequestInput): CreateTransformJobRequest {
  checkResourceName("batch_job_name", input.batchJobName);
  checkResourceName("model_name", input.modelName);
  parseS3Uri(input.batchInput);
  return {
    TransformJobName: input.batchJobName,
    ModelName: input.modelName,
    MaxConcurrentTransforms: 16,
    MaxPayloadInMB: 6,
    BatchStrategy: "SingleRecord",
    TransformOutput: { S3OutputPath: `s3://${input.bucket}/${input.batchJobName}/output` },
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: input.batchInput } },
      ContentType: "application/x-image",
      SplitType: "None",
      CompressionType: "None",
    },
    TransformResources: {
      InstanceType: (input.instanceType ?? "ml.p2.xlarge") as TransformInstanceType,
      InstanceCount: input.instanceCount ?? 1,
    },
  };
}

/** Creates the transform job, records it, and waits for it with progress (C11). */
export async function runTransformJob(
  session: TutorialSession,
  request: CreateTransformJobRequest,
  options: { pollSeconds?: number; maxWaitSeconds?: number } = {},
): Promise<DescribeTransformJobResponse> {
  const name = request.TransformJobName as string;
  await session.tracker.creating("TransformJob", name, () => session.clients.sagemaker.send(new CreateTransformJobCommand(request)));
  console.log(`Created Transform job with name: ${name}`);
  const progress = startProgress(`transform job ${name}`);
  const { state, verdict } = await pollUntilSettled<DescribeTransformJobResponse>({
    what: `transform job ${name}`,
    describe: () => session.clients.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: name })),
    verdict: (d) =>
      d.TransformJobStatus === "Completed" || d.TransformJobStatus === "Stopped"
        ? "done"
        : d.TransformJobStatus === "Failed"
          ? "failed"
          : "wait",
    onState: (d, elapsed) => progress.update(`${d.TransformJobStatus} (${formatDuration(elapsed)})`),
    pollSeconds: options.pollSeconds ?? session.pollSeconds,
    maxWaitSeconds: options.maxWaitSeconds ?? 3600,
    onTimeoutHint: "Run the cell again to keep waiting; the clean-up cell stops the job.",
  });
  progress.done(state.TransformJobStatus as string);
  if (verdict === "failed") {
    console.log(`Transform failed with the following error: ${state.FailureReason ?? "(no FailureReason)"}`);
    throw new Error(`Transform job ${name} failed: ${state.FailureReason ?? "no FailureReason given"}`);
  }
  console.log(`Transform job ended with status: ${state.TransformJobStatus}`);
  return state;
}

export interface TransformResult extends LabelledPrediction {
  /** The input image's name (the output key without its prefix and `.out`). */
  input: string;
  /** The output object's key. */
  key: string;
}

/** Reads every `.out` file under `prefix` and labels its prediction (C12's get_label). */
export async function readTransformResults(
  session: TutorialSession,
  bucket: string,
  prefix: string,
  labels: readonly string[],
): Promise<TransformResult[]> {
  const keys = (await listKeys(session.clients.s3, bucket, prefix)).filter((k) => k.endsWith(".out"));
  const base = prefix.endsWith("/") ? prefix : `${prefix}/`;
  const results: TransformResult[] = [];
  for (const key of keys) {
    const text = await readObjectText(session.clients.s3, bucket, key);
    const probabilities = parsePrediction(text, `s3://${bucket}/${key}`);
    const input = (key.startsWith(base) ? key.slice(base.length) : key).replace(/\.out$/, "");
    results.push({ input, key, ...topLabel(probabilities, labels) });
  }
  return results;
}
