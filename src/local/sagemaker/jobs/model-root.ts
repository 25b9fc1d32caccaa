/** A serving root with the model unpacked into `model/`, as SageMaker prepares a hosting or batch container. */
import * as fs from "node:fs";
import * as path from "node:path";
import { prepareServingRoot } from "../../containers/ml-root";
import { extractModel } from "../../containers/model-archive";
import { parseS3Uri } from "../../containers/s3-uri";
import type { ObjectStore } from "../../s3/store-api";
import type { ContainerDefinition } from "../model/api-types";

/** The model could not be made ready; the message names the artifact and the cause. */
export class ModelLoadError extends Error {}

export async function prepareModelRoot(objects: ObjectStore, container: ContainerDefinition, root: string): Promise<void> {
  const p = prepareServingRoot(root);
  const url = container.ModelDataUrl;
  if (url === undefined) return;
  const loc = parseS3Uri(url);
  if (!loc) throw new ModelLoadError(`ModelDataUrl ${url} is not an S3 location.`);
  const archive = path.join(root, "model.tar.gz");
  try {
    await objects.downloadTo(loc.bucket, loc.key, archive);
  } catch (e) {
    throw new ModelLoadError(`Could not download the model data from ${url}: ${(e as Error).message}`);
  }
  try {
    await extractModel(archive, p.model);
  } catch (e) {
    throw new ModelLoadError(`The model data at ${url} is not a gzipped tar archive (model.tar.gz): ${(e as Error).message}`);
  } finally {
    fs.rmSync(archive, { force: true });
  }
}
