/**
 * `npm run im2rec -- <prefix> <root> [options]`: MXNet's tools/im2rec.py in TypeScript.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_EXTS, listImages, packRecordFile, writeLists } from "../src/formats/im2rec";
import { parseLst } from "../src/formats/lst";

const USAGE = `Usage: npm run im2rec -- <prefix> <root> [options]

Lists images into .lst files, or packs listed images into RecordIO (.rec + .idx),
like MXNet's tools/im2rec.py.

  --list: list the images under <root> into <prefix>.lst (or <prefix>_train.lst,
          <prefix>_val.lst and <prefix>_test.lst with --train-ratio/--test-ratio).
  otherwise: pack every <prefix>*.lst (or every .lst in <prefix> if it is a folder)
          into a .rec and .idx next to it, reading the images from <root>.

List options:
  --list                 make .lst files instead of packing
  --pack                 with --list: also pack the lists just made
  --recursive            one label per subfolder, in sorted order
                         (default: only <root>'s own images, all label 0)
  --exts LIST            image extensions, comma-separated (default ${DEFAULT_EXTS.join(",")})
  --train-ratio R        fraction for <prefix>_train.lst (default 1: one <prefix>.lst)
  --test-ratio R         fraction for <prefix>_test.lst (default 0)
  --no-shuffle           keep the listing order (default: shuffle with --seed)
  --seed N               shuffle seed (default 100)

Pack options:
  --resize N             resize the shorter side to N pixels (default 0: keep the size)
  --center-crop          crop the central square before resizing
  --quality Q            JPEG quality 1-100, or PNG compression 0-9 (default 95)
  --encoding E           .jpg or .png (default .jpg)
  --pack-label           store every label column (multi-label records)
  --pass-through         store the image files' bytes without re-encoding
  --num-thread N         images encoded at the same time (default 4)
  -h, --help             show this text

Example: npm run im2rec -- data/shapes data/images --list --recursive --train-ratio 0.8 --pack --resize 64
`;

class UsageError extends Error {}

function number(name: string, text: string | undefined, fallback: number, check: (n: number) => boolean): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name}: invalid value ${JSON.stringify(text)}.`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      list: { type: "boolean" },
      pack: { type: "boolean" },
      recursive: { type: "boolean" },
      exts: { type: "string" },
      "train-ratio": { type: "string" },
      "test-ratio": { type: "string" },
      "no-shuffle": { type: "boolean" },
      seed: { type: "string" },
      resize: { type: "string" },
      "center-crop": { type: "boolean" },
      quality: { type: "string" },
      encoding: { type: "string" },
      "pack-label": { type: "boolean" },
      "pass-through": { type: "boolean" },
      "num-thread": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected <prefix> and <root>, got ${positionals.length} argument(s).`);
  const [prefix, root] = positionals;
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UsageError(`<root> ${root} is not a directory.`);
  const encoding = values.encoding ?? ".jpg";
  if (encoding !== ".jpg" && encoding !== ".png") throw new UsageError(`--encoding must be .jpg or .png, got ${JSON.stringify(encoding)}.`);
  const integer = (n: number): boolean => Number.isInteger(n) && n >= 0;
  const pack = {
    resize: number("resize", values.resize, 0, integer),
    centerCrop: values["center-crop"] ?? false,
    quality: number("quality", values.quality, 95, (n) => integer(n) && n <= 100),
    encoding: encoding as ".jpg" | ".png",
    packLabel: values["pack-label"] ?? false,
    passThrough: values["pass-through"] ?? false,
    concurrency: number("num-thread", values["num-thread"], 4, (n) => integer(n) && n >= 1),
  };

  let lists: string[];
  if (values.list) {
    const exts = values.exts ? values.exts.split(",").map((e) => (e.startsWith(".") ? e : `.${e}`)) : DEFAULT_EXTS;
    const listing = listImages(root, { recursive: values.recursive ?? false, exts });
    if (listing.items.length === 0) throw new UsageError(`no images with extensions ${exts.join(", ")} under ${root}.`);
    listing.classes.forEach((dir, label) => console.log(`${dir} ${label}`));
    lists = writeLists(prefix, listing.items, {
      shuffle: !values["no-shuffle"],
      seed: number("seed", values.seed, 100, integer),
      trainRatio: number("train-ratio", values["train-ratio"], 1, (n) => n > 0 && n <= 1),
      testRatio: number("test-ratio", values["test-ratio"], 0, (n) => n >= 0 && n < 1),
    });
    for (const file of lists) console.log(`Wrote ${file}`);
    if (!values.pack) return 0;
  } else {
    const isDir = fs.existsSync(prefix) && fs.statSync(prefix).isDirectory();
    const dir = isDir ? prefix : path.dirname(prefix);
    const stem = isDir ? "" : path.basename(prefix);
    lists = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((f) => f.startsWith(stem) && f.endsWith(".lst")).sort().map((f) => path.join(dir, f))
      : [];
    if (lists.length === 0) throw new UsageError(`no .lst files match ${prefix}*.lst; create them first with --list (add --pack to list and pack in one step).`);
  }

  for (const lst of lists) {
    const items = parseLst(fs.readFileSync(lst, "utf8"), lst);
    const out = lst.slice(0, -".lst".length);
    console.log(`Creating record file ${out}.rec from ${lst} (${items.length} images)`);
    let last = Date.now();
    const result = await packRecordFile(items, root, out, {
      ...pack,
      onProgress: (done, total) => {
        if (done === total || Date.now() - last > 2000) {
          last = Date.now();
          console.log(`  ${done}/${total} images`);
        }
      },
    });
    console.log(`Wrote ${result.recPath} (${result.count} records, ${result.bytes} bytes) and ${result.idxPath}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`im2rec: ${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`im2rec: ${e.message}\n`);
    process.exit(1);
  },
);
