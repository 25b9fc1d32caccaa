/**
 * Hosts endpoints: one serving container per production variant, started
 * from the model copied into the endpoint at creation (Creating → InService,
 * or Failed with a FailureReason), restarted if it dies while in service,
 * stopped by DeleteEndpoint (Deleting → gone) and by server shutdown.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProcessExit } from "../../containers/algorithm-process";
import { HealthCheckError, ServingContainer } from "../../containers/serving-container";
import type { DeployedVariant, EndpointRecord } from "../model/records";
import type { ResourceStore } from "../model/resource-store";
import { ModelLoadError, prepareModelRoot } from "./model-root";
import { instanceId, LOG_GROUPS, type RunnerContext } from "./runner-context";

/** A container that dies while in service is started again at most this many times. */
const MAX_RESTARTS = 3;

export interface LiveVariant {
  variantName: string;
  weight: number;
  /** Undefined while the container is being restarted. */
  container?: ServingContainer;
  logStream: string;
}

interface LiveEndpoint {
  abort: AbortController;
  variants: Map<string, LiveVariant>;
  deploying: Promise<void>;
  restarts: number;
}

export type Route =
  | { kind: "ok"; variant: LiveVariant; container: ServingContainer; logGroup: string }
  | { kind: "not-found" }
  | { kind: "unknown-variant"; variants: string[] }
  | { kind: "restarting"; variant: string };

export class EndpointManager {
  private readonly live = new Map<string, LiveEndpoint>();

  constructor(
    private readonly ctx: RunnerContext,
    private readonly endpoints: ResourceStore<EndpointRecord>,
  ) {}

  private update(name: string, mutate: (rec: EndpointRecord) => void): void {
    const current = this.endpoints.get(name);
    if (!current) return;
    // The containers' log up to a status change is on disk before the status is.
    this.ctx.logs.flush();
    const rec = structuredClone(current);
    mutate(rec);
    rec.lastModifiedTime = Date.now();
    this.endpoints.put(rec);
  }

  private root(name: string, variant?: string): string {
    const dir = path.join(this.ctx.workDir, "endpoints", name.toLowerCase());
    return variant === undefined ? dir : path.join(dir, variant.toLowerCase());
  }

  /** Starts the endpoint's containers in the background; the record must be Creating. */
  deploy(name: string): void {
    const live: LiveEndpoint = { abort: new AbortController(), variants: new Map(), deploying: Promise.resolve(), restarts: 0 };
    this.live.set(name.toLowerCase(), live);
    live.deploying = this.startVariants(name, live).catch((e) => this.ctx.logger.error("endpoint deployment failed", { endpoint: name, error: String(e) }));
  }

  private async startVariants(name: string, live: LiveEndpoint): Promise<void> {
    const rec = this.endpoints.get(name)!;
    let current = rec.variants[0];
    try {
      for (const v of rec.variants) {
        current = v;
        const root = this.root(name, v.variantName);
        await prepareModelRoot(this.ctx.objects, v.container, root);
        live.abort.signal.throwIfAborted();
        const variant: LiveVariant = { variantName: v.variantName, weight: v.weight, logStream: `${v.variantName}/${instanceId()}` };
        variant.container = await this.startContainer(name, v, variant, live);
        live.variants.set(v.variantName, variant);
      }
      // A delete or shutdown that came while the last container started owns the record now.
      live.abort.signal.throwIfAborted();
      this.update(name, (r) => {
        r.status = "InService";
        delete r.failureReason;
      });
    } catch (e) {
      await this.stopVariants(live, 0);
      if (live.abort.signal.aborted) return;
      this.live.delete(name.toLowerCase());
      this.update(name, (r) => {
        r.status = "Failed";
        r.failureReason = failureReason(e, current).slice(0, 1024);
      });
    }
  }

  private async startContainer(name: string, v: DeployedVariant, variant: LiveVariant, live: LiveEndpoint): Promise<ServingContainer> {
    const image = this.ctx.registry.resolve(v.container.Image!);
    const group = LOG_GROUPS.endpoint(name);
    this.ctx.logs.ensureStream(group, variant.logStream);
    const root = this.root(name, v.variantName);
    const container = await ServingContainer.start({
      image,
      root,
      name,
      owner: `endpoint/${name}/${v.variantName}`,
      env: { ...v.container.Environment, AWS_REGION: this.ctx.region },
      records: this.ctx.processes,
      onLine: (line) => this.ctx.logs.append(group, variant.logStream, line),
      healthTimeoutMs: v.healthCheckTimeoutSeconds !== undefined ? v.healthCheckTimeoutSeconds * 1000 : this.ctx.settings.healthTimeoutMs,
      signal: live.abort.signal,
    });
    void container.process.exited.then((exit) => this.onContainerExit(name, v, variant, live, container, exit));
    return container;
  }

  /** A container that dies in service is replaced, as SageMaker replaces an unhealthy instance. */
  private async onContainerExit(name: string, v: DeployedVariant, variant: LiveVariant, live: LiveEndpoint, container: ServingContainer, exit: ProcessExit): Promise<void> {
    if (live.abort.signal.aborted || variant.container !== container) return;
    variant.container = undefined;
    const group = LOG_GROUPS.endpoint(name);
    if (live.restarts >= MAX_RESTARTS) {
      this.ctx.logs.append(group, variant.logStream, `The container exited with code ${exit.code}; it was restarted ${MAX_RESTARTS} times already, the endpoint has failed.`);
      await this.failLive(name, live, `The primary container for production variant ${v.variantName} exited with code ${exit.code} ${MAX_RESTARTS + 1} times. Check the CloudWatch logs of this endpoint.`);
      return;
    }
    live.restarts += 1;
    this.ctx.logs.append(group, variant.logStream, `The container exited with code ${exit.code}; restarting it.`);
    try {
      variant.container = await this.startContainer(name, v, variant, live);
    } catch (e) {
      if (!live.abort.signal.aborted) await this.failLive(name, live, failureReason(e, v));
    }
  }

  private async failLive(name: string, live: LiveEndpoint, reason: string): Promise<void> {
    live.abort.abort();
    this.live.delete(name.toLowerCase());
    await this.stopVariants(live, 0);
    this.update(name, (r) => {
      r.status = "Failed";
      r.failureReason = reason.slice(0, 1024);
    });
  }

  private async stopVariants(live: LiveEndpoint, graceMs: number): Promise<void> {
    const containers = [...live.variants.values()].flatMap((v) => v.container ?? []);
    live.variants.clear();
    await Promise.all(containers.map((c) => c.stop(graceMs)));
  }

  /** DeleteEndpoint: Deleting now; the record and its files go once the containers have stopped. */
  delete(name: string): Promise<void> {
    this.update(name, (r) => (r.status = "Deleting"));
    return this.finishDelete(name);
  }

  private async finishDelete(name: string): Promise<void> {
    const live = this.live.get(name.toLowerCase());
    if (live) {
      this.live.delete(name.toLowerCase());
      live.abort.abort();
      await live.deploying;
      await this.stopVariants(live, this.ctx.settings.stopGraceMs);
    }
    fs.rmSync(this.root(name), { recursive: true, force: true });
    this.endpoints.delete(name);
  }

  route(name: string, targetVariant?: string): Route {
    const rec = this.endpoints.get(name);
    const live = this.live.get(name.toLowerCase());
    if (!rec || rec.status !== "InService" || !live) return { kind: "not-found" };
    const logGroup = LOG_GROUPS.endpoint(rec.name);
    let variant: LiveVariant | undefined;
    if (targetVariant !== undefined) {
      variant = live.variants.get(targetVariant);
      if (!variant) return { kind: "unknown-variant", variants: [...live.variants.keys()] };
    } else {
      variant = pickByWeight([...live.variants.values()]);
    }
    if (!variant.container) return { kind: "restarting", variant: variant.variantName };
    return { kind: "ok", variant, container: variant.container, logGroup };
  }

  /** Server shutdown: containers stop, records stay as they are (restarted on the next start). */
  async close(): Promise<void> {
    const all = [...this.live.values()];
    this.live.clear();
    for (const live of all) live.abort.abort();
    await Promise.all(all.map(async (live) => {
      await live.deploying;
      await this.stopVariants(live, this.ctx.settings.shutdownGraceMs);
    }));
  }

  /** Server start: endpoints that were up (or coming up) are started again; deletions are finished. */
  recover(): void {
    for (const rec of this.endpoints.all()) {
      if (rec.status === "Deleting") {
        void this.finishDelete(rec.name);
      } else if (rec.status === "InService" || rec.status === "Creating") {
        this.update(rec.name, (r) => (r.status = "Creating"));
        this.deploy(rec.name);
      }
    }
  }
}

function pickByWeight(variants: LiveVariant[]): LiveVariant {
  const total = variants.reduce((s, v) => s + v.weight, 0);
  if (total <= 0) return variants[0];
  let r = Math.random() * total;
  for (const v of variants) {
    r -= v.weight;
    if (r < 0) return v;
  }
  return variants[variants.length - 1];
}

function failureReason(e: unknown, variant: DeployedVariant): string {
  if (e instanceof HealthCheckError) {
    return `The primary container for production variant ${variant.variantName} did not pass the ping health check: ${e.message}. Please check CloudWatch logs for this endpoint.`;
  }
  if (e instanceof ModelLoadError) return e.message;
  return (e as Error).message ?? String(e);
}
