/**
 * The ECR image of SageMaker's built-in image-classification algorithm, the
 * counterpart of the tutorial's `get_image_uri(region, 'image-classification')`.
 * Accounts: sagemaker-python-sdk `image_uri_config/image-classification.json`
 * (version "1"). The same image trains and serves.
 */

export const IMAGE_CLASSIFICATION_REPOSITORY = "image-classification";
export const IMAGE_CLASSIFICATION_TAG = "1";

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

/**
 * `<account>.dkr.ecr.<region>.<domain>/image-classification:1` for `region`.
 * An unknown region is an error that says how to go on, rather than a guess
 * that would fail later inside CreateTrainingJob.
 */
export function imageClassificationImageUri(region: string): string {
  const account = Object.prototype.hasOwnProperty.call(IMAGE_CLASSIFICATION_ACCOUNTS, region)
    ? IMAGE_CLASSIFICATION_ACCOUNTS[region]
    : undefined;
  if (account === undefined) {
    throw new Error(
      `region: no image-classification algorithm image is known for region "${region}". ` +
        `Use one of ${Object.keys(IMAGE_CLASSIFICATION_ACCOUNTS).join(", ")}, ` +
        `or pass the image yourself (training_image = "<account>.dkr.ecr.<region>.amazonaws.com/image-classification:1", ` +
        `see the "Algorithms" page of the SageMaker documentation for your region).`,
    );
  }
  return `${account}.dkr.ecr.${region}.${ecrDomain(region)}/${IMAGE_CLASSIFICATION_REPOSITORY}:${IMAGE_CLASSIFICATION_TAG}`;
}
