/**
 * The tutorial's resource names. It builds them from a prefix and
 * `strftime('-%Y-%m-%d-%H-%M-%S', gmtime())`, hence the double hyphen in
 * `DEMO-imageclassification--2024-...`; the names are kept as they were.
 */

/** The prefix the tutorial uses but never defined (its C4 bug). */
export const job_name_prefix = "DEMO-imageclassification";

/** The S3 prefix the tutorial's data goes under. */
export const DATA_PREFIX = "image-classification-full-training";

/** `-%Y-%m-%d-%H-%M-%S` in UTC, as the tutorial's `timestamp`. */
export function timestamp(date: Date = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  return (
    `-${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `-${pad(date.getUTCHours())}-${pad(date.getUTCMinutes())}-${pad(date.getUTCSeconds())}`
  );
}

/** SageMaker's pattern for job, model, endpoint and endpoint-config names. */
export const RESOURCE_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export function checkResourceName(field: string, name: string): string {
  if (!RESOURCE_NAME_PATTERN.test(name)) {
    throw new Error(
      `${field}: "${name}" is not a valid SageMaker name: 1 to 63 letters, digits and hyphens, ` +
        `starting and ending with a letter or digit.`,
    );
  }
  return name;
}
