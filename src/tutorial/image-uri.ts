/**
 * The ECR image of SageMaker's built-in image-classification algorithm, the
 * counterpart of the tutorial's `get_image_uri(region, 'image-classification')`.
 * The same image trains and serves.
 */
import {
  ecrDomain,
  IMAGE_CLASSIFICATION_ACCOUNTS,
  imageClassificationUriFor,
} from "../algorithms/image-classification/image-uris";

export { ecrDomain, IMAGE_CLASSIFICATION_ACCOUNTS };

/**
 * `<account>.dkr.ecr.<region>.<domain>/image-classification:1` for `region`.
 * An unknown region is an error that says how to go on, rather than a guess
 * that would fail later inside CreateTrainingJob.
 */
export function imageClassificationImageUri(region: string): string {
  const uri = imageClassificationUriFor(region);
  if (uri === undefined) {
    throw new Error(
      `region: no image-classification algorithm image is known for region "${region}". ` +
        `Use one of ${Object.keys(IMAGE_CLASSIFICATION_ACCOUNTS).join(", ")}, ` +
        `or pass the image yourself (training_image = "<account>.dkr.ecr.<region>.amazonaws.com/image-classification:1", ` +
        `see the "Algorithms" page of the SageMaker documentation for your region).`,
    );
  }
  return uri;
}
