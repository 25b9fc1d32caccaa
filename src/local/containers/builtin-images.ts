/**
 * The built-in algorithms the local SageMaker implements, by the image URIs
 * AWS publishes for them (`<account>.dkr.ecr.<region>.<partition domain>/<repo>:<tag>`).
 */
import * as path from "node:path";
import {
  IMAGE_CLASSIFICATION_ACCOUNTS,
  IMAGE_CLASSIFICATION_TAGS,
  imageClassificationUriFor,
  type ImageClassificationTag,
} from "../../algorithms/image-classification/image-uris";

export { IMAGE_CLASSIFICATION_ACCOUNTS, IMAGE_CLASSIFICATION_TAGS };

/** The metrics SageMaker extracts from the built-in algorithm's log (the last value of each is kept). */
export const IMAGE_CLASSIFICATION_METRICS = [
  { Name: "train:accuracy", Regex: "Epoch\\[\\d+\\] Train-accuracy=([0-9.]+)" },
  { Name: "validation:accuracy", Regex: "Epoch\\[\\d+\\] Validation-accuracy=([0-9.]+)" },
];

export const IMAGE_CLASSIFICATION_ENTRY = path.resolve(__dirname, "../../algorithms/image-classification/main.ts");

export function imageClassificationUri(region: string, tag: ImageClassificationTag = "1"): string {
  const uri = imageClassificationUriFor(region, tag);
  if (!uri) throw new Error(`image-classification has no ECR registry in region ${region}`);
  return uri;
}

const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.((?:amazonaws\.com(?:\.cn)?)|(?:c2s\.ic\.gov)|(?:sc2s\.sgov\.gov)|(?:csp\.hci\.ic\.gov))\/([a-z0-9._/-]+):([\w.-]+)$/;

export type BuiltinMatch =
  | { kind: "image-classification" }
  /** Looks like the built-in image but is not one AWS publishes: says what the right URI is. */
  | { kind: "near-miss"; hint: string }
  | { kind: "none" };

export function matchBuiltin(uri: string): BuiltinMatch {
  const m = ECR_URI.exec(uri);
  if (!m || m[4] !== "image-classification") return { kind: "none" };
  const [, , region, , , tag] = m;
  if (!Object.prototype.hasOwnProperty.call(IMAGE_CLASSIFICATION_ACCOUNTS, region)) {
    return { kind: "near-miss", hint: `AWS publishes image-classification in no region named "${region}"; regions: ${Object.keys(IMAGE_CLASSIFICATION_ACCOUNTS).join(", ")}.` };
  }
  const right = imageClassificationUri(region, "1");
  if (uri.replace(/:[\w.-]+$/, ":1") !== right) {
    return { kind: "near-miss", hint: `In ${region} the image-classification image is ${right}.` };
  }
  if (!(IMAGE_CLASSIFICATION_TAGS as readonly string[]).includes(tag)) {
    return { kind: "near-miss", hint: `image-classification is published with the tags ${IMAGE_CLASSIFICATION_TAGS.join(" and ")}, e.g. ${right}.` };
  }
  return { kind: "image-classification" };
}
