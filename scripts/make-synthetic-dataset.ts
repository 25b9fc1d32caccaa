/**
 * `npm run dataset:synthetic -- --out <dir> [options]`: writes the synthetic shapes dataset.
 */
import { parseArgs } from "node:util";
import { FormatError } from "../src/formats/errors";
import { SHAPE_CLASSES } from "../src/datasets/synthetic-shapes";
import { SYNTHETIC_DEFAULTS, generateSyntheticDataset } from "../src/datasets/synthetic";

const d = SYNTHETIC_DEFAULTS;
const USAGE = `Usage: npm run dataset:synthetic -- --out <dir> [options]

Draws a deterministic image dataset of ${SHAPE_CLASSES.length} shape classes (${SHAPE_CLASSES.join(", ")})
and writes it like the tutorial's Caltech-256 data: <name>-train.rec/.idx/.lst,
<name>-val.rec/.idx/.lst, images/train/NNN.class/*.jpg, images/validation/...,
test/NNN.class/ (one class, for batch transform), a single test image, and dataset.json.
The same options always give the same bytes.

Options:
  --out DIR              output directory (required)
  --name NAME            file name prefix (default ${d.name})
  --seed N               random seed (default ${d.seed})
  --classes N            number of classes, 2-${SHAPE_CLASSES.length} (default ${d.numClasses})
  --size PX              image side in pixels (default ${d.imageSize}; train with image_shape 3,S*8/9,S*8/9)
  --train-per-class N    training images per class (default ${d.trainPerClass})
  --val-per-class N      validation images per class (default ${d.valPerClass})
  --test-images N        images in the test folder (default ${d.testImages})
  --test-class N         label of the test folder's class (default ${d.testClass})
  --quality Q            JPEG quality (default ${d.quality})
  -h, --help             show this text
`;

class UsageError extends Error {}

function int(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}.`);
  return Number(text);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      name: { type: "string" },
      seed: { type: "string" },
      classes: { type: "string" },
      size: { type: "string" },
      "train-per-class": { type: "string" },
      "val-per-class": { type: "string" },
      "test-images": { type: "string" },
      "test-class": { type: "string" },
      quality: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.out) throw new UsageError("--out is required.");
  const started = Date.now();
  let lastReport = 0;
  const manifest = await generateSyntheticDataset({
    out: values.out,
    name: values.name,
    seed: int("seed", values.seed),
    numClasses: int("classes", values.classes),
    imageSize: int("size", values.size),
    trainPerClass: int("train-per-class", values["train-per-class"]),
    valPerClass: int("val-per-class", values["val-per-class"]),
    testImages: int("test-images", values["test-images"]),
    testClass: int("test-class", values["test-class"]),
    quality: int("quality", values.quality),
    onProgress: (done, total) => {
      if (done === total || Date.now() - lastReport > 1000) {
        lastReport = Date.now();
        process.stdout.write(`  ${done}/${total} images and records\n`);
      }
    },
  });
  console.log(
    `Wrote ${manifest.name} to ${values.out} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `${manifest.numClasses} classes, ${manifest.numTrainingSamples} training and ${manifest.numValidationSamples} validation images ` +
      `(${manifest.imageSize}x${manifest.imageSize}, suggested image_shape ${manifest.suggestedImageShape}), test folder ${manifest.files.testFolder}.`,
  );
}

main().catch((e: Error) => {
  // Bad arguments or options: show the usage; anything else is a failure of the run.
  const usage = e instanceof UsageError || e instanceof FormatError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  process.stderr.write(`dataset:synthetic: ${e.message}\n${usage ? `\n${USAGE}` : ""}`);
  process.exit(usage ? 2 : 1);
});
