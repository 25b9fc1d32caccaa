/**
 * A full disk: the server's data directory on a small file system, filled by
 * PutObject until S3 answers 507 InsufficientStorage. Then: the server still
 * serves, acknowledged objects are intact, nothing partial is visible, a
 * training job and a multipart part are refused or fail with a reason, the
 * server restarts after SIGKILL on the full disk, and writes succeed again
 * once space is freed.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { CreateMultipartUploadCommand, DeleteObjectCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { failureOf, type Clients } from "../clients";
import type { TinyDataset } from "../fixtures";
import { md5Hex, serverProblems } from "../liveness";
import { Target } from "../target";
import { trainingJobRequest, trainingLogTail, uploadDataset, waitForTrainingJob } from "../workloads";
import { skippedFault, type FaultResult } from "./fault";
import { ObjectLedger } from "./ledger";
import { orphansAfterKill, stagedLeftovers, unfinishedJobs } from "./recovery";
import { mountScratchDisk, type ScratchDisk } from "./scratch-disk";

const FAULT = "full-disk";
const DISK_MIB = 48;
const BUCKET = "reliability-full-disk";
const OBJECT_BYTES = 1024 * 1024;

/** PUTs 1 MiB objects until the store refuses one; returns the refusal. */
async function fill(clients: Clients, ledger: ObjectLedger): Promise<{ status?: number; type: string; message: string }> {
  for (let n = 0; n < 4 * DISK_MIB; n++) {
    const key = `${ledger.prefix}${n}`;
    const body = crypto.randomBytes(OBJECT_BYTES);
    ledger.attempt(key, md5Hex(body));
    try {
      await clients.s3.send(new PutObjectCommand({ Bucket: ledger.bucket, Key: key, Body: body }));
      ledger.acknowledge(key, md5Hex(body));
    } catch (err) {
      return failureOf(err);
    }
  }
  return { type: "(never refused)", message: `${4 * DISK_MIB} MiB stored on a ${DISK_MIB} MiB disk` };
}

export async function fullDisk(workDir: string, data: TinyDataset): Promise<FaultResult> {
  let disk: ScratchDisk;
  try {
    disk = mountScratchDisk(workDir, DISK_MIB);
  } catch (err) {
    return skippedFault(FAULT, (err as Error).message);
  }
  const dataDir = `${disk.mountPoint}/server`;
  let target: Target | undefined;
  try {
    target = await Target.start({ dataDir });
    await uploadDataset(target.clients, BUCKET, data);
    const ledger = new ObjectLedger(BUCKET, "fill/");
    const problems: string[] = [];
    const notes: string[] = [`data directory on a ${DISK_MIB} MiB ${disk.kind}`];

    const refusal = await fill(target.clients, ledger);
    notes.push(`${ledger.acknowledgedCount} objects of 1 MiB acknowledged, then ${refusal.status} ${refusal.type}: ${refusal.message}`);
    if (refusal.status !== 507 || refusal.type !== "InsufficientStorage") problems.push(`a full disk answered ${refusal.status} ${refusal.type}, expected 507 InsufficientStorage`);

    const part = await target.clients.s3
      .send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "full/multipart" }))
      .then((u) => target!.clients.s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: "full/multipart", UploadId: u.UploadId, PartNumber: 1, Body: crypto.randomBytes(OBJECT_BYTES) })))
      .then(
        () => "accepted",
        (e: unknown) => `${failureOf(e).status} ${failureOf(e).type}`,
      );
    notes.push(`UploadPart on the full disk: ${part}`);
    if (part === "accepted") problems.push("a 1 MiB part was accepted on the full disk");

    const job = "full-disk-training";
    const created = await target.clients.sagemaker.send(new CreateTrainingJobCommand(trainingJobRequest(target.info.region, BUCKET, data, job))).then(
      () => undefined,
      (e: unknown) => failureOf(e),
    );
    if (created) {
      notes.push(`CreateTrainingJob on the full disk: ${created.status} ${created.type}: ${created.message}`);
      if (!created.message) problems.push("CreateTrainingJob failed on the full disk without a message");
    } else {
      const ended = await waitForTrainingJob(target.clients, job, 120_000);
      const why = [ended.FailureReason ?? "", ...(await trainingLogTail(target.clients, job, 40))].find((l) => /ENOSPC|no space left/i.test(l));
      notes.push(`training job on the full disk: ${ended.TrainingJobStatus}: ${ended.FailureReason ?? ""}${why && why !== ended.FailureReason ? `; its log says: ${why.trim()}` : ""}`);
      if (ended.TrainingJobStatus === "Failed" && (!ended.FailureReason || !why)) problems.push("the training job failed on the full disk, but neither its FailureReason nor its log says the disk is full");
    }

    const stored = await ledger.check(target.clients.s3);
    problems.push(...stored.lost.map((l) => `lost on the full disk: ${l}`), ...stored.partial.map((p) => `partial object on the full disk: ${p}`));
    problems.push(...stagedLeftovers(dataDir).map((f) => `staging file left by a refused write: ${f}`));
    const first = ledger.firstAcknowledged();
    if (first) problems.push(...(await serverProblems(target.info, target.clients, { bucket: BUCKET, ...first })).map((p) => `while full: ${p}`));

    // A crash on the full disk, then a start on the still full disk.
    await target.kill9();
    const orphans = await orphansAfterKill(dataDir);
    problems.push(...orphans.map((o) => `orphan process ${o.pid}: ${o.command}`));
    try {
      await target.restart();
    } catch (err) {
      problems.push(`the server did not start again on the full disk: ${(err as Error).message.split("\n")[0]}`);
      return { fault: FAULT, survived: false, problems, objectsAcknowledged: ledger.acknowledgedCount, objectsLost: stored.lost.length, partialObjects: stored.partial.length, orphanProcesses: orphans.length, notes };
    }
    const afterRestart = await ledger.check(target.clients.s3);
    problems.push(...afterRestart.lost.map((l) => `lost after the restart: ${l}`), ...afterRestart.partial.map((p) => `partial after the restart: ${p}`));
    problems.push(...(await unfinishedJobs(target.clients)));

    // Freeing space makes writes succeed again.
    for (let n = 0; n < 4; n++) await target.clients.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `fill/${n}` }));
    const again = await target.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "after/freed", Body: crypto.randomBytes(OBJECT_BYTES) })).then(
      () => "accepted",
      (e: unknown) => `${failureOf(e).status} ${failureOf(e).type}`,
    );
    notes.push(`after deleting 4 MiB: PutObject ${again}`);
    if (again !== "accepted") problems.push(`PutObject after freeing space answered ${again}`);

    return {
      fault: FAULT,
      survived: problems.length === 0,
      problems,
      objectsAcknowledged: ledger.acknowledgedCount,
      objectsLost: afterRestart.lost.length,
      partialObjects: afterRestart.partial.length,
      orphanProcesses: orphans.length,
      notes,
    };
  } finally {
    // Unmount even if the stop fails, or the machine keeps a stray mount; a failed stop shows as a busy unmount.
    await target?.stop().catch(() => undefined);
    await disk.unmount();
    fs.rmSync(disk.mountPoint, { recursive: true, force: true });
  }
}
