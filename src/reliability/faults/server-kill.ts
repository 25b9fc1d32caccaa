/**
 * SIGKILL of the local server (the real background process) in the middle of
 * a training job, a multipart upload and a batch transform, while a client
 * keeps writing objects; then a restart and the recovery checks.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { CompleteMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { CreateTrainingJobCommand, CreateTransformJobCommand, DescribeTrainingJobCommand, DescribeTransformJobCommand } from "@aws-sdk/client-sagemaker";
import { md5Hex } from "../liveness";
import { until } from "../poll";
import { algorithmProcess } from "../processes";
import { trainingJobRequest, transformJobRequest } from "../workloads";
import { BackgroundWriter } from "./background-writer";
import type { FaultContext, FaultResult } from "./fault";
import { ObjectLedger } from "./ledger";
import { checkRecovery, orphansAfterKill } from "./recovery";

const SHUTDOWN_REASON = /^InternalServerError: the local SageMaker stopped while the job was running/;

/**
 * Starts the background writer, runs `during` (which brings the server to
 * the moment of the fault), kills the server, checks that no process of the
 * data directory survives it, restarts and runs the recovery checks plus
 * `after`'s own.
 */
async function killServerDuring(
  fc: FaultContext,
  fault: string,
  during: () => Promise<void>,
  after: () => Promise<{ problems: string[]; notes: string[] }>,
): Promise<FaultResult> {
  const { target } = fc;
  const ledger = new ObjectLedger(fc.bucket, `writes/${fault}/`);
  const writer = new BackgroundWriter(target.info, ledger);
  try {
    await until(() => ledger.acknowledgedCount >= 10, "background writes acknowledged", 30_000);
    await during();
    await target.kill9();
  } finally {
    await writer.stop();
  }
  const orphans = await orphansAfterKill(target.dataDir);
  await target.restart();
  const recovery = await checkRecovery(target.clients, target.dataDir, ledger, fc.payload);
  const own = await after();
  const problems = [...orphans.map((o) => `orphan process ${o.pid} after the kill: ${o.command}`), ...recovery.problems, ...own.problems];
  return {
    fault,
    survived: problems.length === 0,
    problems,
    objectsAcknowledged: recovery.objectsAcknowledged,
    objectsLost: recovery.objectsLost,
    partialObjects: recovery.partialObjects,
    orphanProcesses: orphans.length,
    notes: [`${ledger.acknowledgedCount} objects acknowledged by the background writer`, ...own.notes],
  };
}

export async function killServerDuringTraining(fc: FaultContext): Promise<FaultResult> {
  const name = "fault-server-kill-training";
  return killServerDuring(
    fc,
    "server-kill-during-training",
    async () => {
      const { clients, info, dataDir } = fc.target;
      await clients.sagemaker.send(new CreateTrainingJobCommand(trainingJobRequest(info.region, fc.bucket, fc.data, name, { epochs: 1000 })));
      await until(() => algorithmProcess(dataDir, "training-jobs", "train").length > 0, "the training process runs", 60_000);
      await until(
        async () => (await clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }))).SecondaryStatus === "Training",
        "the job is Training",
        60_000,
      );
    },
    async () => {
      const job = await fc.target.clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
      const ok = job.TrainingJobStatus === "Failed" && SHUTDOWN_REASON.test(job.FailureReason ?? "");
      return { problems: ok ? [] : [`${name} is ${job.TrainingJobStatus} (${job.FailureReason})`], notes: [`${name}: ${job.TrainingJobStatus}: ${job.FailureReason}`] };
    },
  );
}

const PART = 5 * 1024 * 1024;

export async function killServerDuringMultipartUpload(fc: FaultContext): Promise<FaultResult> {
  const key = "fault/multipart/object.bin";
  const body = crypto.randomBytes(6 * PART);
  let acknowledgedBytes = 0;
  return killServerDuring(
    fc,
    "server-kill-during-multipart-upload",
    async () => {
      const upload = new Upload({
        client: fc.target.clients.s3,
        params: { Bucket: fc.bucket, Key: key, Body: body },
        partSize: PART,
        queueSize: 1,
        // Keep acknowledged parts when the upload fails, so that it can be resumed after the restart.
        leavePartsOnError: true,
      });
      upload.on("httpUploadProgress", (p) => (acknowledgedBytes = Math.max(acknowledgedBytes, p.loaded ?? 0)));
      void upload.done().catch(() => undefined);
      await until(() => acknowledgedBytes >= 3 * PART, "3 parts acknowledged", 60_000, 5);
    },
    async () => {
      const s3 = fc.target.clients.s3;
      const problems: string[] = [];
      const head = await s3.send(new HeadObjectCommand({ Bucket: fc.bucket, Key: key })).then(
        () => "exists",
        (e: Error) => e.name,
      );
      if (head !== "NotFound") problems.push(`the interrupted upload's object is visible (${head})`);
      const uploads = (await s3.send(new ListMultipartUploadsCommand({ Bucket: fc.bucket, Prefix: key }))).Uploads ?? [];
      if (uploads.length !== 1) return { problems: [...problems, `${uploads.length} uploads in progress for ${key} after the restart, expected 1`], notes: [] };
      const uploadId = uploads[0].UploadId!;
      const parts = (await s3.send(new ListPartsCommand({ Bucket: fc.bucket, Key: key, UploadId: uploadId }))).Parts ?? [];
      const acknowledgedParts = Math.floor(acknowledgedBytes / PART);
      if (parts.length < acknowledgedParts) problems.push(`${parts.length} parts listed, ${acknowledgedParts} were acknowledged`);
      for (const p of parts) {
        const expected = `"${md5Hex(body.subarray((p.PartNumber! - 1) * PART, p.PartNumber! * PART))}"`;
        if (p.ETag !== expected) problems.push(`part ${p.PartNumber} has ETag ${p.ETag}, its bytes give ${expected}`);
      }
      // Resume: the parts kept after the crash plus the rest must make exactly the original object.
      const etags = new Map(parts.map((p) => [p.PartNumber!, p.ETag!]));
      for (let n = 1; n <= body.length / PART; n++) {
        if (etags.has(n)) continue;
        const res = await s3.send(new UploadPartCommand({ Bucket: fc.bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: body.subarray((n - 1) * PART, n * PART) }));
        etags.set(n, res.ETag!);
      }
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: fc.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: [...etags].sort((a, b) => a[0] - b[0]).map(([PartNumber, ETag]) => ({ PartNumber, ETag })) },
        }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: fc.bucket, Key: key }));
      if (md5Hex(await got.Body!.transformToByteArray()) !== md5Hex(body)) problems.push("the resumed upload does not hold the original bytes");
      return { problems, notes: [`${acknowledgedParts} of 6 parts acknowledged before the kill, ${parts.length} listed after the restart; resumed and completed intact`] };
    },
  );
}

export async function killServerDuringTransform(fc: FaultContext): Promise<FaultResult> {
  const name = "fault-server-kill-transform";
  const prefix = "fault/transform-input";
  return killServerDuring(
    fc,
    "server-kill-during-batch-transform",
    async () => {
      const { clients, dataDir } = fc.target;
      // Enough records that the job is still sending them when the server dies.
      for (let i = 0; i < 300; i++) {
        const image = fc.data.testImages[i % fc.data.testImages.length];
        await clients.s3.send(new PutObjectCommand({ Bucket: fc.bucket, Key: `${prefix}/${String(i).padStart(3, "0")}-${path.basename(image)}`, Body: fs.readFileSync(image) }));
      }
      await clients.sagemaker.send(new CreateTransformJobCommand(transformJobRequest(fc.bucket, fc.model, name, prefix)));
      await until(() => algorithmProcess(dataDir, "transform-jobs", "serve").length > 0, "the transform's serving process runs", 60_000);
      // Let some records go through before the kill.
      await new Promise((r) => setTimeout(r, 1500));
    },
    async () => {
      const { clients } = fc.target;
      const job = await clients.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: name }));
      const problems: string[] = [];
      if (job.TransformJobStatus !== "Failed" || !SHUTDOWN_REASON.test(job.FailureReason ?? "")) problems.push(`${name} is ${job.TransformJobStatus} (${job.FailureReason})`);
      const outputs = await clients.s3.send(new ListObjectsV2Command({ Bucket: fc.bucket, Prefix: `tiny/transform/${name}/` }));
      if ((outputs.KeyCount ?? 0) > 0) problems.push(`the interrupted transform published ${outputs.KeyCount} outputs`);
      return { problems, notes: [`${name}: ${job.TransformJobStatus}: ${job.FailureReason}; ${outputs.KeyCount ?? 0} outputs published`] };
    },
  );
}
