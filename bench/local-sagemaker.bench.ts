/**
 * The local SageMaker's own overhead, measured with the "echo" test image
 * (which does no work): how long a training job, an endpoint start and a batch
 * transform take end to end, and what InvokeEndpoint costs over calling the
 * container directly (SigV4 verification, routing, one more HTTP hop).
 */
import * as http from "node:http";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  CreateTransformJobCommand,
  waitUntilEndpointInService,
  waitUntilTrainingJobCompletedOrStopped,
  waitUntilTransformJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import type { ServerContext } from "../src/local/http/types";
import { backendFor } from "../src/local/sagemaker/backend";
import { BUCKET, IMAGES, ROLE, startHarness, trainingRequest } from "../test/local/sagemaker/harness";
import { ratio, type BenchResult } from "./types";

export const title = "Local SageMaker overhead (echo image)";

const fast = (client: unknown) => ({ client: client as never, maxWaitTime: 120, minDelay: 0.05, maxDelay: 0.1 });

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function postDirect(port: number, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/invocations", headers: { "content-type": "text/plain", "content-length": body.length } }, (res) => {
      res.resume();
      res.on("end", () => resolve());
    });
    req.on("error", reject);
    req.end(body);
  });
}

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<BenchResult[]> {
  const h = await startHarness();
  const results: BenchResult[] = [];
  try {
    await h.put("data/train/a.txt", "x");
    const jobs = opts.quick ? 1 : 3;
    const trainMs: number[] = [];
    for (let i = 0; i < jobs; i++) {
      const t0 = performance.now();
      await h.sm.send(new CreateTrainingJobCommand(trainingRequest(`bench-job-${i}`)));
      await waitUntilTrainingJobCompletedOrStopped(fast(h.sm), { TrainingJobName: `bench-job-${i}` });
      trainMs.push(performance.now() - t0);
    }
    results.push({ name: "training job create → Completed (echo)", unit: "ms", project: percentile(trainMs, 50), reference: null, ratio: null, note: `median of ${jobs}` });

    await h.sm.send(new CreateModelCommand({ ModelName: "bench-model", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGES.echo, ModelDataUrl: `s3://${BUCKET}/output/bench-job-0/output/model.tar.gz` } }));
    await h.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "bench-config", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "bench-model", InitialInstanceCount: 1, InstanceType: "ml.m4.xlarge" }] }));
    const t0 = performance.now();
    await h.sm.send(new CreateEndpointCommand({ EndpointName: "bench-ep", EndpointConfigName: "bench-config" }));
    await waitUntilEndpointInService(fast(h.sm), { EndpointName: "bench-ep" });
    results.push({ name: "endpoint create → InService (echo)", unit: "ms", project: performance.now() - t0, reference: null, ratio: null });

    const route = backendFor({ dataDir: h.dataDir } as ServerContext).hosting.route("bench-ep");
    if (route.kind !== "ok") throw new Error(`bench endpoint not routable: ${route.kind}`);
    const body = Buffer.from("hello");
    const n = opts.quick ? 50 : 300;
    const viaRuntime: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < n; i++) {
      let s = performance.now();
      await h.rt.send(new InvokeEndpointCommand({ EndpointName: "bench-ep", Body: body, ContentType: "text/plain" }));
      viaRuntime.push(performance.now() - s);
      s = performance.now();
      await postDirect(route.container.port, body);
      direct.push(performance.now() - s);
    }
    const p50 = percentile(viaRuntime, 50);
    const d50 = percentile(direct, 50);
    results.push({ name: "InvokeEndpoint latency p50", unit: "ms", project: p50, reference: d50, ratio: ratio(p50, d50, true), note: `${n} calls; reference: POST /invocations straight to the container` });
    results.push({ name: "InvokeEndpoint latency p95", unit: "ms", project: percentile(viaRuntime, 95), reference: percentile(direct, 95), ratio: ratio(percentile(viaRuntime, 95), percentile(direct, 95), true) });

    const objects = opts.quick ? 20 : 100;
    for (let i = 0; i < objects; i++) await h.put(`bench-in/${String(i).padStart(4, "0")}.txt`, `record ${i}`);
    const t1 = performance.now();
    await h.sm.send(
      new CreateTransformJobCommand({
        TransformJobName: "bench-transform",
        ModelName: "bench-model",
        MaxConcurrentTransforms: 4,
        TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/bench-in/` } }, ContentType: "text/plain" },
        TransformOutput: { S3OutputPath: `s3://${BUCKET}/bench-out` },
        TransformResources: { InstanceType: "ml.c5.xlarge", InstanceCount: 1 },
      }),
    );
    await waitUntilTransformJobCompletedOrStopped(fast(h.sm), { TransformJobName: "bench-transform" });
    const seconds = (performance.now() - t1) / 1000;
    results.push({ name: "batch transform throughput (echo)", unit: "obj/s", project: objects / seconds, reference: null, ratio: null, note: `${objects} objects, 4 concurrent, container start included` });
    opts.log(`transform of ${objects} objects took ${seconds.toFixed(2)} s`);
  } finally {
    await h.stop();
  }
  return results;
}
