/**
 * Where AWS publishes the built-in image-classification algorithm's image
 * (one image trains and serves): the ECR account per region, from
 * sagemaker-python-sdk `image_uri_config/image-classification.json` (version "1").
 * Data only, so that both the notebook helpers and the local SageMaker's
 * image registry read the same table.
 */

export const IMAGE_CLASSIFICATION_REPOSITORY = "image-classification";
/** The tag the SDK's `get_image_uri` gives; 2017-era notebooks used `latest`. */
export const IMAGE_CLASSIFICATION_TAGS = ["1", "latest"] as const;
export type ImageClassificationTag = (typeof IMAGE_CLASSIFICATION_TAGS)[number];

/** Region → account that publishes the algorithm's image there. */
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

/** The DNS suffix of ECR in a region's partition. */
export function ecrDomain(region: string): string {
  if (region.startsWith("cn-")) return "amazonaws.com.cn";
  if (region.startsWith("us-isob-")) return "sc2s.sgov.gov";
  if (region.startsWith("us-isof-")) return "csp.hci.ic.gov";
  if (region.startsWith("us-iso-")) return "c2s.ic.gov";
  return "amazonaws.com";
}

/** `<account>.dkr.ecr.<region>.<domain>/image-classification:<tag>`, or undefined for a region without the image. */
export function imageClassificationUriFor(region: string, tag: ImageClassificationTag = "1"): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(IMAGE_CLASSIFICATION_ACCOUNTS, region)) return undefined;
  return `${IMAGE_CLASSIFICATION_ACCOUNTS[region]}.dkr.ecr.${region}.${ecrDomain(region)}/${IMAGE_CLASSIFICATION_REPOSITORY}:${tag}`;
}
