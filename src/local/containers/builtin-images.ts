/**
 * The built-in algorithms the local SageMaker implements, by the image URIs
 * AWS publishes for them (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repo>:<tag>`).
 */
import * as path from "node:path";

/** image-classification's ECR registry account per region (sagemaker-python-sdk image_uri_config, version "1"). */
export const IMAGE_CLASSIFICATION_ACCOUNTS: Readonly<Record<string, string>> = {
  "af-south-1": "455444449433",
  "ap-east-1": "286214385809",
  "ap-northeast-1": "501404015308",
  "ap-northeast-2": "306986355934",
  "ap-northeast-3": "867004704886",
  "ap-south-1": "991648021394",
  "ap-south-2": "628508329040",
  "ap-southeast-1": "475088953585",
  "ap-southeast-2": "544295431143",
  "ap-southeast-3": "951798379941",
  "ap-southeast-4": "106583098589",
  "ca-central-1": "469771592824",
  "ca-west-1": "190319476487",
  "cn-north-1": "390948362332",
  "cn-northwest-1": "387376663083",
  "eu-central-1": "813361260812",
  "eu-central-2": "680994064768",
  "eu-north-1": "669576153137",
  "eu-south-1": "257386234256",
  "eu-south-2": "104374241257",
  "eu-west-1": "685385470294",
  "eu-west-2": "644912444149",
  "eu-west-3": "749696950732",
  "il-central-1": "898809789911",
  "me-central-1": "272398656194",
  "me-south-1": "249704162688",
  "sa-east-1": "855470959533",
  "us-east-1": "811284229777",
  "us-east-2": "825641698319",
  "us-gov-east-1": "237065988967",
  "us-gov-west-1": "226302683700",
  "us-iso-east-1": "490574956308",
  "us-isob-east-1": "765400339828",
  "us-isof-east-1": "108575199400",
  "us-isof-south-1": "124985052026",
  "us-west-1": "632365934929",
  "us-west-2": "433757028032",
};

export const IMAGE_CLASSIFICATION_TAGS = ["1", "latest"] as const;

/** The metrics SageMaker extracts from the built-in algorithm's log (the last value of each is kept). */
export const IMAGE_CLASSIFICATION_METRICS = [
  { Name: "train:accuracy", Regex: "Epoch\\[\\d+\\] Train-accuracy=([0-9.]+)" },
  { Name: "validation:accuracy", Regex: "Epoch\\[\\d+\\] Validation-accuracy=([0-9.]+)" },
];

export const IMAGE_CLASSIFICATION_ENTRY = path.resolve(__dirname, "../../algorithms/image-classification/main.ts");

export function imageClassificationUri(region: string, tag: (typeof IMAGE_CLASSIFICATION_TAGS)[number] = "1"): string {
  const account = IMAGE_CLASSIFICATION_ACCOUNTS[region];
  if (!account) throw new Error(`image-classification has no ECR registry in region ${region}`);
  return `${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}/image-classification:${tag}`;
}

const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([a-z0-9._/-]+):([\w.-]+)$/;

export type BuiltinMatch =
  | { kind: "image-classification" }
  /** Looks like the built-in image but is not one AWS publishes: says what the right URI is. */
  | { kind: "near-miss"; hint: string }
  | { kind: "none" };

export function matchBuiltin(uri: string): BuiltinMatch {
  const m = ECR_URI.exec(uri);
  if (!m || m[4] !== "image-classification") return { kind: "none" };
  const [, account, region, cn, , tag] = m;
  const expected = IMAGE_CLASSIFICATION_ACCOUNTS[region];
  if (!expected) {
    return { kind: "near-miss", hint: `AWS publishes image-classification in no region named "${region}"; regions: ${Object.keys(IMAGE_CLASSIFICATION_ACCOUNTS).join(", ")}.` };
  }
  const right = imageClassificationUri(region, "1");
  if (account !== expected || Boolean(cn) !== region.startsWith("cn-")) {
    return { kind: "near-miss", hint: `In ${region} the image-classification image is ${right}.` };
  }
  if (!(IMAGE_CLASSIFICATION_TAGS as readonly string[]).includes(tag)) {
    return { kind: "near-miss", hint: `image-classification is published with the tags ${IMAGE_CLASSIFICATION_TAGS.join(" and ")}, e.g. ${right}.` };
  }
  return { kind: "image-classification" };
}
