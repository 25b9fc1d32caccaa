/**
 * Writes the validation tables of the local SageMaker and CloudWatch Logs
 * services from the AWS service models. A developer's tool, run by hand when
 * an operation is added:
 *
 *   npx tsx src/local/sagemaker/tables/generate.ts
 *
 * Constraints (required members, lengths, ranges, patterns) come from
 * botocore's models (Debian's python3-botocore, 2022); enum values are the
 * union of botocore's and those of the pinned AWS SDK for JavaScript, which
 * is newer (instance types, for one, keep being added). The server never
 * reads either at run time: it reads the generated TypeScript.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Shape, ShapeTable } from "../json/shapes";

interface BotocoreMember {
  shape: string;
  location?: string;
}
interface BotocoreShape {
  type: string;
  members?: Record<string, BotocoreMember>;
  required?: string[];
  member?: BotocoreMember;
  key?: BotocoreMember;
  value?: BotocoreMember;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}
interface BotocoreModel {
  metadata: { apiVersion: string };
  operations: Record<string, { input?: { shape: string }; output?: { shape: string } }>;
  shapes: Record<string, BotocoreShape>;
}

interface Target {
  botocore: string;
  sdkEnums: string;
  operations: string[];
  /** Describe operations whose response echoes the request: the response's member names. */
  echoOutputs: string[];
  /** Members that newer models no longer require (replaced by an alternative member). */
  notRequired?: Record<string, string[]>;
  out: string;
  constName: string;
}

const BOTOCORE = "/usr/lib/python3/dist-packages/botocore/data";
const root = path.resolve(__dirname, "../../../..");

const targets: Target[] = [
  {
    botocore: `${BOTOCORE}/sagemaker/2017-07-24/service-2.json`,
    sdkEnums: "node_modules/@aws-sdk/client-sagemaker/dist-es/models/enums.js",
    operations: [
      "CreateTrainingJob", "DescribeTrainingJob", "ListTrainingJobs", "StopTrainingJob",
      "CreateModel", "DescribeModel", "DeleteModel", "ListModels",
      "CreateTransformJob", "DescribeTransformJob", "ListTransformJobs", "StopTransformJob",
      "CreateEndpointConfig", "DescribeEndpointConfig", "DeleteEndpointConfig", "ListEndpointConfigs",
      "CreateEndpoint", "DescribeEndpoint", "ListEndpoints", "DeleteEndpoint",
    ],
    echoOutputs: ["DescribeTrainingJob", "DescribeModel", "DescribeTransformJob", "DescribeEndpointConfig"],
    out: "src/local/sagemaker/tables/sagemaker.generated.ts",
    constName: "SAGEMAKER",
  },
  {
    botocore: `${BOTOCORE}/logs/2014-03-28/service-2.json`,
    sdkEnums: "node_modules/@aws-sdk/client-cloudwatch-logs/dist-es/models/enums.js",
    operations: ["DescribeLogGroups", "DescribeLogStreams", "GetLogEvents", "FilterLogEvents"],
    echoOutputs: [],
    // Newer models accept logGroupIdentifier instead; the handlers require one of the two.
    notRequired: {
      DescribeLogStreamsRequest: ["logGroupName"],
      GetLogEventsRequest: ["logGroupName"],
      FilterLogEventsRequest: ["logGroupName"],
    },
    out: "src/local/logs/tables.generated.ts",
    constName: "LOGS",
  },
];

/** `export const X = { A: "a", ... };` blocks of the SDK's enums module. */
function readSdkEnums(file: string): Map<string, string[]> {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const enums = new Map<string, string[]>();
  for (const block of text.matchAll(/export const (\w+) = \{([^}]*)\};/g)) {
    enums.set(block[1], [...block[2].matchAll(/:\s*"([^"]*)"/g)].map((m) => m[1]));
  }
  return enums;
}

function convert(name: string, s: BotocoreShape, sdkEnums: Map<string, string[]>, notRequired: string[]): Shape {
  const bounds = { ...(s.min !== undefined && { min: s.min }), ...(s.max !== undefined && { max: s.max }) };
  switch (s.type) {
    case "structure": {
      const members = Object.fromEntries(
        Object.entries(s.members ?? {})
          .filter(([, m]) => m.location === undefined)
          .map(([k, m]) => [k, m.shape]),
      );
      const required = (s.required ?? []).filter((r) => !notRequired.includes(r));
      return { type: "structure", members, ...(required.length > 0 && { required }) };
    }
    case "string": {
      if (s.pattern !== undefined) checkPattern(name, s.pattern);
      const values = s.enum && [...new Set([...s.enum, ...(sdkEnums.get(name) ?? [])])];
      return { type: "string", ...bounds, ...(s.pattern !== undefined && { pattern: s.pattern }), ...(values && { enum: values }) };
    }
    case "integer":
    case "long":
    case "float":
    case "double":
      return { type: s.type, ...bounds };
    case "list":
      return { type: "list", member: s.member!.shape, ...bounds };
    case "map":
      return { type: "map", key: s.key!.shape, value: s.value!.shape, ...bounds };
    case "boolean":
    case "timestamp":
    case "blob":
      return { type: s.type };
    default:
      throw new Error(`shape ${name}: unsupported type ${s.type}`);
  }
}

/** The validator compiles patterns as JavaScript regular expressions; fail here, not at run time. */
function checkPattern(name: string, pattern: string): void {
  try {
    new RegExp(`^(?:${pattern})$`, "u");
  } catch {
    try {
      new RegExp(`^(?:${pattern})$`);
    } catch (e) {
      throw new Error(`shape ${name}: pattern ${pattern} does not compile: ${(e as Error).message}`);
    }
  }
}

function generate(t: Target): void {
  const model = JSON.parse(fs.readFileSync(t.botocore, "utf8")) as BotocoreModel;
  const sdkEnums = readSdkEnums(t.sdkEnums);
  const shapes: ShapeTable = {};
  const visit = (name: string): void => {
    if (shapes[name]) return;
    const s = model.shapes[name];
    shapes[name] = convert(name, s, sdkEnums, t.notRequired?.[name] ?? []);
    for (const m of Object.values(s.members ?? {})) visit(m.shape);
    for (const m of [s.member, s.key, s.value]) if (m) visit(m.shape);
  };
  const operations: Record<string, string> = {};
  for (const op of t.operations) {
    const input = model.operations[op].input!.shape;
    operations[op] = input;
    visit(input);
  }
  const echo = Object.fromEntries(
    t.echoOutputs.map((op) => [op, Object.keys(model.shapes[model.operations[op].output!.shape].members ?? {})]),
  );
  const lines = [
    "// Generated by src/local/sagemaker/tables/generate.ts from botocore's",
    `// ${path.relative(BOTOCORE, t.botocore)} (constraints) and ${t.sdkEnums.replace("node_modules/", "").split("/dist-es")[0]}'s enums.`,
    "// Do not edit by hand: change the generator and run it again.",
    'import type { ServiceTables } from "' + path.relative(path.dirname(path.join(root, t.out)), path.join(root, "src/local/sagemaker/json/shapes")) + '";',
    "",
    `export const ${t.constName}_TABLES: ServiceTables = {`,
    `  operations: ${JSON.stringify(operations)},`,
    "  shapes: {",
    ...Object.keys(shapes)
      .sort()
      .map((k) => `    ${JSON.stringify(k)}: ${JSON.stringify(shapes[k])},`),
    "  },",
    "};",
  ];
  if (t.echoOutputs.length > 0) {
    lines.push("", "/** Members of each Describe response, for echoing what the Create request stored. */");
    lines.push(`export const ${t.constName}_DESCRIBE_MEMBERS: Record<string, string[]> = ${JSON.stringify(echo)};`);
  }
  fs.writeFileSync(path.join(root, t.out), lines.join("\n") + "\n");
  console.log(`${t.out}: ${Object.keys(operations).length} operations, ${Object.keys(shapes).length} shapes`);
}

for (const t of targets) generate(t);
