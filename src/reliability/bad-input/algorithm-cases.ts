/**
 * Bad hyperparameters and bad data, sent the way a user sends them: a real
 * training job of the built-in algorithm. SageMaker accepts the request; the
 * job ends Failed with a FailureReason that starts with "ClientError:" and
 * names the field, channel or record (the algorithm validates, as AWS's does).
 */
import * as fs from "node:fs";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { damagedRecordIO } from "../fixtures";
import { PREFIX, trainingJobRequest, waitForTrainingJob, type TrainingJobOptions } from "../workloads";
import type { Outcome } from "../outcome";
import type { BadInputCase, CaseContext } from "./case";

/** Each case's job name, so that its leftovers can be checked after it ran. */
const jobNames = new Map<string, string>();

async function trainingOutcome(ctx: CaseContext, id: string, opts: TrainingJobOptions): Promise<Outcome> {
  const name = ctx.unique("bad-train");
  jobNames.set(id, name);
  await ctx.clients.sagemaker.send(new CreateTrainingJobCommand(trainingJobRequest(ctx.server.region, ctx.bucket, ctx.data, name, opts)));
  const job = await waitForTrainingJob(ctx.clients, name);
  const reason = job.FailureReason ?? "";
  return { status: job.TrainingJobStatus, type: /^(\w+):/.exec(reason)?.[1] ?? "", message: reason };
}

/** A failed job must not leave a model behind. */
async function noModel(ctx: CaseContext, id: string): Promise<string[]> {
  const name = jobNames.get(id);
  if (!name) return [`case ${id} did not start a job`];
  const list = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: `${PREFIX.output}/${name}/` }));
  return (list.KeyCount ?? 0) === 0 ? [] : [`job ${name} failed but left ${list.Contents?.map((o) => o.Key).join(", ")}`];
}

function hyperparameterCase(id: string, sends: string, hyperParameters: Record<string, string | undefined>, message: RegExp): BadInputCase {
  const caseId = `hyperparameters.${id}`;
  return {
    id: caseId,
    area: "hyperparameters",
    sends,
    via: "training-job",
    expect: { status: "Failed", type: "ClientError", message },
    run: (ctx) => trainingOutcome(ctx, caseId, { hyperParameters }),
    leftovers: (ctx) => noModel(ctx, caseId),
  };
}

/** A training job whose train channel holds `damage(train.rec)` (uploaded under its own prefix). */
function dataCase(id: string, sends: string, damage: (rec: Buffer) => Buffer, message: RegExp, opts: TrainingJobOptions = {}): BadInputCase {
  const caseId = `data.${id}`;
  return {
    id: caseId,
    area: "data",
    sends,
    via: "training-job",
    expect: { status: "Failed", type: "ClientError", message },
    run: async (ctx) => {
      const prefix = `bad-data/${id}/train`;
      await ctx.clients.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: `${prefix}/damaged.rec`, Body: damage(fs.readFileSync(ctx.data.trainRec)) }));
      return trainingOutcome(ctx, caseId, { trainPrefix: prefix, ...opts });
    },
    leftovers: (ctx) => noModel(ctx, caseId),
  };
}

export const algorithmCases: BadInputCase[] = [
  hyperparameterCase("missing-required", "no num_classes", { num_classes: undefined }, /^ClientError: Missing required hyperparameter 'num_classes'/),
  hyperparameterCase("unknown-name", 'the misspelt name "mini_batch_siz"', { mini_batch_siz: "16" }, /Additional properties are not allowed \('mini_batch_siz' was unexpected\)/),
  hyperparameterCase("num-layers", "num_layers 19 (no such ResNet)", { num_layers: "19" }, /num_layers/),
  hyperparameterCase("image-shape", 'image_shape "3,32" (two values)', { image_shape: "3,32" }, /image_shape/),
  hyperparameterCase("wrong-type", 'mini_batch_size "sixteen"', { mini_batch_size: "sixteen" }, /mini_batch_size/),
  hyperparameterCase("range", "learning_rate -0.1", { learning_rate: "-0.1" }, /learning_rate/),
  hyperparameterCase("enum", 'optimizer "bogus"', { optimizer: "bogus" }, /optimizer/),
  hyperparameterCase("cross-field", "top_k 5 with num_classes 3", { top_k: "5" }, /top_k/),
  hyperparameterCase(
    "batch-larger-than-data",
    "mini_batch_size 100 with 48 training images",
    { mini_batch_size: "100" },
    /^ClientError: The number of input images must be bigger or equal to the mini_batch_size\.$/,
  ),
  dataCase("bad-magic", "a RecordIO file whose first magic number is wrong", damagedRecordIO.badMagic, /^ClientError: Channel 'train': .*(magic|RecordIO)/i),
  dataCase("truncated", "a RecordIO file cut in the middle of its last record", damagedRecordIO.truncated, /^ClientError: Channel 'train': .*(truncated|ends|bytes)/i),
  dataCase("label-out-of-range", "labels equal to num_classes (3 classes, label 3)", (rec) => damagedRecordIO.relabelled(rec, 3), /has label 3, but num_classes is 3/),
  dataCase("not-images", "records whose image bytes are text", damagedRecordIO.notImages, /does not hold a decodable image/),
  dataCase("empty-file", "an empty .rec file", () => Buffer.alloc(0), /holds no images/),
  dataCase("images-too-small", "36x36 images with image_shape 3,64,64", (rec) => rec, /smaller|64/, { hyperParameters: { image_shape: "3,64,64" } }),
  {
    id: "data.extra-channel",
    area: "data",
    sends: 'a third channel "bogus" besides train and validation',
    via: "training-job",
    expect: { status: "Failed", type: "ClientError", message: /Channel 'bogus' is not supported/ },
    run: (ctx) => trainingOutcome(ctx, "data.extra-channel", { extraChannels: ["bogus"] }),
    leftovers: (ctx) => noModel(ctx, "data.extra-channel"),
  },
  {
    id: "data.validation-missing",
    area: "data",
    sends: "only a train channel (no validation channel)",
    via: "training-job",
    expect: { status: "Failed", type: "ClientError", message: /Channel 'validation' is required/ },
    run: (ctx) => trainingOutcome(ctx, "data.validation-missing", { withoutValidation: true }),
    leftovers: (ctx) => noModel(ctx, "data.validation-missing"),
  },
];
