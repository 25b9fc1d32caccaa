/**
 * SIGKILL of an algorithm program while the server lives: a training job's
 * process (the job must end Failed with a reason, nothing of it may keep
 * running) and an endpoint's serving process (the endpoint restarts its
 * container and serves again).
 */
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { CreateTrainingJobCommand, DescribeEndpointCommand, DescribeTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { serverProblems } from "../liveness";
import { until } from "../poll";
import { algorithmProcess, processesOf } from "../processes";
import { trainingJobRequest, waitForTrainingJob } from "../workloads";
import type { FaultContext, FaultResult } from "./fault";
import type { Sentinel } from "../liveness";

function result(fault: string, problems: string[], orphans: number, notes: string[]): FaultResult {
  return { fault, survived: problems.length === 0, problems, objectsAcknowledged: 0, objectsLost: 0, partialObjects: 0, orphanProcesses: orphans, notes };
}

export async function killTrainingProcess(fc: FaultContext, sentinel: Sentinel): Promise<FaultResult> {
  const fault = "algorithm-kill-training";
  const name = "fault-algorithm-kill-training";
  const { clients, info, dataDir } = fc.target;
  await clients.sagemaker.send(new CreateTrainingJobCommand(trainingJobRequest(info.region, fc.bucket, fc.data, name, { epochs: 1000 })));
  const [proc] = await until(() => {
    const found = algorithmProcess(dataDir, "training-jobs", "train").filter((p) => p.root?.endsWith(`/${name}`));
    return found.length > 0 ? found : undefined;
  }, "the training process runs", 60_000);
  await until(async () => (await clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }))).SecondaryStatus === "Training", "the job is Training", 60_000);
  process.kill(proc.pid, "SIGKILL");
  const job = await waitForTrainingJob(clients, name, 60_000);
  const problems: string[] = [];
  if (job.TrainingJobStatus !== "Failed" || !/^AlgorithmError: The algorithm was killed by SIGKILL \(exit code 137\)\. See job logs/.test(job.FailureReason ?? "")) problems.push(`${name} is ${job.TrainingJobStatus} (${job.FailureReason})`);
  const left = processesOf(dataDir).filter((p) => p.root === proc.root);
  problems.push(...left.map((p) => `process ${p.pid} of the killed job still runs: ${p.command}`));
  problems.push(...(await serverProblems(info, clients, sentinel, fc.endpoint)));
  return result(fault, problems, left.length, [`killed pid ${proc.pid}; ${name}: ${job.TrainingJobStatus}: ${job.FailureReason}`]);
}

export async function killServingProcess(fc: FaultContext, sentinel: Sentinel): Promise<FaultResult> {
  const fault = "algorithm-kill-serving";
  const { clients, info, dataDir } = fc.target;
  const endpointRoot = `/sagemaker/work/endpoints/${fc.endpoint.toLowerCase()}/`;
  const [proc] = algorithmProcess(dataDir, "endpoints", "serve").filter((p) => p.root?.includes(endpointRoot));
  if (!proc) return result(fault, [`no serving process found for endpoint ${fc.endpoint}`], 0, []);
  process.kill(proc.pid, "SIGKILL");
  // While the container restarts, InvokeEndpoint may answer 503 ServiceUnavailable (retry shortly), as AWS does.
  let refusals = 0;
  await until(
    async () => {
      try {
        await clients.runtime.send(new InvokeEndpointCommand({ EndpointName: fc.endpoint, ContentType: "image/jpeg", Body: fc.payload }));
        return true;
      } catch {
        refusals++;
        return false;
      }
    },
    "the endpoint serves again",
    120_000,
    200,
  );
  const problems: string[] = [];
  const ep = await clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: fc.endpoint }));
  if (ep.EndpointStatus !== "InService") problems.push(`endpoint ${fc.endpoint} is ${ep.EndpointStatus} after its container was restarted`);
  const replacement = algorithmProcess(dataDir, "endpoints", "serve").filter((p) => p.root?.includes(endpointRoot));
  if (replacement.some((p) => p.pid === proc.pid)) problems.push(`the killed process ${proc.pid} is still listed`);
  problems.push(...(await serverProblems(info, clients, sentinel, fc.endpoint)));
  return result(fault, problems, 0, [`killed pid ${proc.pid}; the endpoint served again after ${refusals} refused invocations (503 while restarting), new pid ${replacement.map((p) => p.pid).join(", ")}`]);
}
