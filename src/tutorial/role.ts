/**
 * The execution role, like the SageMaker Python SDK's `get_execution_role()`:
 * the caller's identity from STS, turned from an assumed-role session into
 * the role's IAM ARN, then IAM GetRole for the real ARN with its path.
 */
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { GetRoleCommand, type IAMClient } from "@aws-sdk/client-iam";

/** SageMaker's RoleArn pattern (CreateTrainingJob, CreateModel). */
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;

export interface RoleFromIdentity {
  /** The role's ARN without its path (STS does not tell the path). */
  roleArn: string;
  roleName: string;
  partition: string;
  account: string;
  /** True when the ARN came from an IAM role ARN, so its path is already known. */
  hasPath: boolean;
}

const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;
const IAM_ROLE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(.+)$/;
const IAM_OTHER = /^arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):(user|root|federated-user|group)\b/;

function notARoleError(arn: string, kind: string): Error {
  return new Error(
    `role: the current identity ${arn} is an IAM ${kind}, not a role, so there is no execution role to take from it. ` +
      `Pass the ARN of a role SageMaker can assume (role = "arn:aws:iam::<account>:role/<name>"), ` +
      `for example the AmazonSageMaker-ExecutionRole-* role that the SageMaker console creates.`,
  );
}

/** Turns the ARN that STS GetCallerIdentity returns into the role it stands for. */
export function roleFromCallerArn(callerArn: string): RoleFromIdentity {
  const assumed = ASSUMED_ROLE.exec(callerArn);
  if (assumed) {
    const [, partition, account, roleName] = assumed;
    return { roleArn: `arn:${partition}:iam::${account}:role/${roleName}`, roleName, partition, account, hasPath: false };
  }
  const role = IAM_ROLE.exec(callerArn);
  if (role) {
    const [, partition, account, pathAndName] = role;
    const roleName = pathAndName.split("/").pop() as string;
    return { roleArn: callerArn, roleName, partition, account, hasPath: true };
  }
  const other = IAM_OTHER.exec(callerArn);
  if (other) throw notARoleError(callerArn, other[3]);
  throw new Error(
    `role: cannot read a role from the identity ARN "${callerArn}". ` +
      `Pass the execution role's ARN yourself (role = "arn:aws:iam::<account>:role/<name>").`,
  );
}

/**
 * When GetRole is not allowed the path is unknown. Roles the SageMaker
 * console creates live under `service-role/`, so that guess is right for
 * them (the Python SDK guesses the same way); any other role keeps no path.
 */
export function guessRoleArnWithoutGetRole(role: RoleFromIdentity): string {
  if (role.hasPath || !role.roleName.includes("AmazonSageMaker-ExecutionRole")) return role.roleArn;
  return `arn:${role.partition}:iam::${role.account}:role/service-role/${role.roleName}`;
}

/** Validates a role ARN the user passed, naming the field. */
export function checkRoleArn(roleArn: string): string {
  if (!ROLE_ARN_PATTERN.test(roleArn)) {
    throw new Error(
      `role: "${roleArn}" is not an IAM role ARN. It must look like "arn:aws:iam::123456789012:role/MyRole" ` +
        `(pattern ${ROLE_ARN_PATTERN.source}).`,
    );
  }
  return roleArn;
}

export interface ExecutionRoleOptions {
  /** A role ARN to use as is (validated); skips STS and IAM. */
  roleArn?: string;
  /** Where to say that the role's path had to be guessed. Defaults to console.warn. */
  warn?: (message: string) => void;
}

function isServiceError(e: unknown): e is Error & { $metadata: unknown } {
  return e instanceof Error && typeof (e as { $metadata?: unknown }).$metadata === "object";
}

/** The execution role for the tutorial's jobs, models and endpoints. */
export async function getExecutionRole(
  clients: { sts: STSClient; iam: IAMClient },
  options: ExecutionRoleOptions = {},
): Promise<string> {
  if (options.roleArn) return checkRoleArn(options.roleArn);
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Arn) throw new Error("role: STS GetCallerIdentity returned no Arn; pass the role ARN yourself.");
  const role = roleFromCallerArn(identity.Arn);
  try {
    const answer = await clients.iam.send(new GetRoleCommand({ RoleName: role.roleName }));
    if (answer.Role?.Arn) return answer.Role.Arn;
  } catch (e) {
    // Denied or unsupported GetRole is common (least-privilege roles); the
    // role still exists, only its path is unknown. Network errors are not
    // service errors and stop here.
    if (!isServiceError(e)) throw e;
    const guess = guessRoleArnWithoutGetRole(role);
    (options.warn ?? console.warn)(
      `role: iam:GetRole on "${role.roleName}" failed (${e.name}: ${e.message}); using ${guess}. ` +
        `If the role has a path, pass its full ARN.`,
    );
    return guess;
  }
  return guessRoleArnWithoutGetRole(role);
}
