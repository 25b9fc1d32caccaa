/**
 * The services the local server answers besides S3, which the server wires
 * itself because it streams. Each entry is one factory; add yours here.
 */
import type { ServiceFactory } from "./http/types";
import { iamService } from "./iam/service";
import { logsService } from "./logs";
import { sagemakerRuntimeService } from "./runtime";
import { sagemakerService } from "./sagemaker";
import { stsService } from "./sts/service";

export const serviceFactories: ServiceFactory[] = [stsService, iamService, sagemakerService, sagemakerRuntimeService, logsService];
