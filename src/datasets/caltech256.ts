/**
 * Caltech-256 as the tutorial uses it: the 257 category names in the
 * notebook's `object_categories` order (label i = the i-th sorted folder of
 * 256_ObjectCategories, so `airplanes-101` ... `toad` follow `zebra` and
 * `clutter` is last), the expected record counts, and where the data lived
 * or lives.
 *
 * Imported by the tslab kernel (through src/tutorial/): no heavy imports,
 * TypeScript 5.0 syntax.
 */

export const CALTECH256_CATEGORIES: readonly string[] = [
  "ak47", "american-flag", "backpack", "baseball-bat", "baseball-glove", "basketball-hoop", "bat", "bathtub", "bear",
  "beer-mug", "billiards", "binoculars", "birdbath", "blimp", "bonsai-101", "boom-box", "bowling-ball",
  "bowling-pin", "boxing-glove", "brain-101", "breadmaker", "buddha-101", "bulldozer", "butterfly", "cactus", "cake",
  "calculator", "camel", "cannon", "canoe", "car-tire", "cartman", "cd", "centipede", "cereal-box", "chandelier-101",
  "chess-board", "chimp", "chopsticks", "cockroach", "coffee-mug", "coffin", "coin", "comet", "computer-keyboard",
  "computer-monitor", "computer-mouse", "conch", "cormorant", "covered-wagon", "cowboy-hat", "crab-101",
  "desk-globe", "diamond-ring", "dice", "dog", "dolphin-101", "doorknob", "drinking-straw", "duck", "dumb-bell",
  "eiffel-tower", "electric-guitar-101", "elephant-101", "elk", "ewer-101", "eyeglasses", "fern", "fighter-jet",
  "fire-extinguisher", "fire-hydrant", "fire-truck", "fireworks", "flashlight", "floppy-disk", "football-helmet",
  "french-horn", "fried-egg", "frisbee", "frog", "frying-pan", "galaxy", "gas-pump", "giraffe", "goat",
  "golden-gate-bridge", "goldfish", "golf-ball", "goose", "gorilla", "grand-piano-101", "grapes", "grasshopper",
  "guitar-pick", "hamburger", "hammock", "harmonica", "harp", "harpsichord", "hawksbill-101", "head-phones",
  "helicopter-101", "hibiscus", "homer-simpson", "horse", "horseshoe-crab", "hot-air-balloon", "hot-dog", "hot-tub",
  "hourglass", "house-fly", "human-skeleton", "hummingbird", "ibis-101", "ice-cream-cone", "iguana", "ipod", "iris",
  "jesus-christ", "joy-stick", "kangaroo-101", "kayak", "ketch-101", "killer-whale", "knife", "ladder", "laptop-101",
  "lathe", "leopards-101", "license-plate", "lightbulb", "light-house", "lightning", "llama-101", "mailbox",
  "mandolin", "mars", "mattress", "megaphone", "menorah-101", "microscope", "microwave", "minaret", "minotaur",
  "motorbikes-101", "mountain-bike", "mushroom", "mussels", "necktie", "octopus", "ostrich", "owl", "palm-pilot",
  "palm-tree", "paperclip", "paper-shredder", "pci-card", "penguin", "people", "pez-dispenser", "photocopier",
  "picnic-table", "playing-card", "porcupine", "pram", "praying-mantis", "pyramid", "raccoon", "radio-telescope",
  "rainbow", "refrigerator", "revolver-101", "rifle", "rotary-phone", "roulette-wheel", "saddle", "saturn",
  "school-bus", "scorpion-101", "screwdriver", "segway", "self-propelled-lawn-mower", "sextant", "sheet-music",
  "skateboard", "skunk", "skyscraper", "smokestack", "snail", "snake", "sneaker", "snowmobile", "soccer-ball",
  "socks", "soda-can", "spaghetti", "speed-boat", "spider", "spoon", "stained-glass", "starfish-101",
  "steering-wheel", "stirrups", "sunflower-101", "superman", "sushi", "swan", "swiss-army-knife", "sword", "syringe",
  "tambourine", "teapot", "teddy-bear", "teepee", "telephone-box", "tennis-ball", "tennis-court", "tennis-racket",
  "theodolite", "toaster", "tomato", "tombstone", "top-hat", "touring-bike", "tower-pisa", "traffic-light",
  "treadmill", "triceratops", "tricycle", "trilobite-101", "tripod", "t-shirt", "tuning-fork", "tweezer",
  "umbrella-101", "unicorn", "vcr", "video-projector", "washing-machine", "watch-101", "waterfall", "watermelon",
  "welding-mask", "wheelbarrow", "windmill", "wine-bottle", "xylophone", "yarmulke", "yo-yo", "zebra",
  "airplanes-101", "car-side-101", "faces-easy-101", "greyhound", "tennis-shoes", "toad", "clutter",
];

export const CALTECH256 = {
  numClasses: 257,
  /** caltech-256-60-train.rec: 60 images per class (MXNet example/image-classification/data/caltech256.sh). */
  trainImagesPerClass: 60,
  numTrainingSamples: 15420,
  /** All images of the archive, clutter included. */
  totalImages: 30607,
  /** caltech-256-60-val.rec: the rest (30607 - 15420; derived, not confirmed by a primary source). */
  numValidationSamples: 15187,
  /** The class the tutorial's batch transform and endpoint test use. */
  testClass: { label: 7, name: "bathtub", folder: "008.bathtub", singleImage: "008_0007.jpg" },
  /** How the .rec files were packed (caltech256.sh): shorter side 256, JPEG. */
  im2rec: { resize: 256, quality: 95 },
} as const;

/** The category folder name in 256_ObjectCategories for a label, e.g. 7 -> "008.bathtub". */
export function caltech256Folder(label: number): string {
  const name = CALTECH256_CATEGORIES[label];
  if (name === undefined) throw new RangeError(`Caltech-256 labels are 0-256; ${label} is not one.`);
  return `${String(label + 1).padStart(3, "0")}.${name}`;
}

/** S3 keys of the tutorial's data in AWS's public sample buckets. */
export const CALTECH256_S3_KEYS = {
  train: "datasets/image/caltech-256/caltech-256-60-train.rec",
  validation: "datasets/image/caltech-256/caltech-256-60-val.rec",
  testFolder: "datasets/image/caltech-256/256_ObjectCategories/008.bathtub/",
  testImage: "datasets/image/caltech-256/256_ObjectCategories/008.bathtub/008_0007.jpg",
  archive: "datasets/image/caltech-256/256_ObjectCategories.tar",
} as const;

/** The public bucket the 2023 notebooks read from (2021-2022 notebooks used "sagemaker-sample-files"). */
export function caltech256Bucket(region: string): string {
  return `sagemaker-example-files-prod-${region}`;
}

/*
 * The 2018 notebook downloaded from http://data.mxnet.io/data/caltech-256/
 * (caltech-256-60-train.rec, caltech-256-60-val.rec) and Caltech's old image
 * pages (008.bathtub/008_0007.jpg); neither is served any more. The archive's
 * public home (CC BY 4.0) is https://data.caltech.edu/records/nyy15-4j048.
 */
