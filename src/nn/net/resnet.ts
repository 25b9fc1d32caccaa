/**
 * The ResNets of the image-classification algorithm as layer lists.
 *
 * ImageNet style, torchvision v1 layout: 7x7/2 conv + BN + ReLU + 3x3/2
 * max-pool, four stages (64/128/256/512 wide, stride 2 from stage 2 on; in a
 * bottleneck the stride sits on the 3x3 conv as in torchvision), basic blocks
 * for 18/34, bottlenecks (expansion 4) for 50 and deeper. Small-image style
 * (CIFAR): 3x3 conv 16 + BN + ReLU, three stages of (L-2)/6 basic blocks 16/32/64
 * wide, stride 2 at the start of stages 2 and 3. Both: a 1x1 conv + BN
 * projection where the shape changes, global average pooling, FC.
 */
import { IMAGENET_DEPTHS, SMALL_IMAGE_DEPTHS, type Architecture } from "../api";
import { IMAGE, shapesOf, type NetNode, type NetSpec } from "./spec";

const IMAGENET_UNITS: Record<number, { units: number[]; bottleneck: boolean }> = {
  18: { units: [2, 2, 2, 2], bottleneck: false },
  34: { units: [3, 4, 6, 3], bottleneck: false },
  50: { units: [3, 4, 6, 3], bottleneck: true },
  101: { units: [3, 4, 23, 3], bottleneck: true },
  152: { units: [3, 8, 36, 3], bottleneck: true },
  200: { units: [3, 24, 36, 3], bottleneck: true },
};

export function validateArchitecture(arch: Architecture): void {
  const depths: readonly number[] = [...IMAGENET_DEPTHS, ...SMALL_IMAGE_DEPTHS];
  if (!depths.includes(arch.numLayers)) {
    throw new Error(`arch.numLayers: ${arch.numLayers} is not a supported ResNet depth; use one of ${depths.join(", ")}`);
  }
  const shape = arch.imageShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`arch.imageShape: expected [channels, height, width] of positive integers, got ${JSON.stringify(shape)}`);
  }
  if (!Number.isInteger(arch.numClasses) || arch.numClasses < 1) {
    throw new Error(`arch.numClasses: expected a positive integer, got ${arch.numClasses}`);
  }
  if (arch.multiLabel && arch.numClasses < 1) throw new Error("arch.numClasses: multi-label needs at least one class");
}

export function buildResNet(arch: Architecture): NetSpec {
  validateArchitecture(arch);
  const nodes: NetNode[] = [];
  let x = IMAGE;
  let c = arch.imageShape[0];

  const convBn = (name: string, bnName: string, input: string, cout: number, k: number, stride: number, relu: boolean): string => {
    nodes.push({ op: "conv", name, input, output: `${name}:out`, cin: c, cout, k, stride, pad: (k - 1) >> 1 });
    nodes.push({ op: "bn", name: bnName, input: `${name}:out`, output: `${bnName}:out`, c: cout, relu });
    c = cout;
    return `${bnName}:out`;
  };

  const unit = (prefix: string, width: number, stride: number, bottleneck: boolean) => {
    const cin = c;
    const input = x;
    const cout = bottleneck ? width * 4 : width;
    let y: string;
    if (bottleneck) {
      y = convBn(`${prefix}.conv1`, `${prefix}.bn1`, input, width, 1, 1, true);
      y = convBn(`${prefix}.conv2`, `${prefix}.bn2`, y, width, 3, stride, true);
      y = convBn(`${prefix}.conv3`, `${prefix}.bn3`, y, cout, 1, 1, false);
    } else {
      y = convBn(`${prefix}.conv1`, `${prefix}.bn1`, input, width, 3, stride, true);
      y = convBn(`${prefix}.conv2`, `${prefix}.bn2`, y, cout, 3, 1, false);
    }
    let shortcut = input;
    if (stride !== 1 || cin !== cout) {
      c = cin;
      shortcut = convBn(`${prefix}.shortcut.conv`, `${prefix}.shortcut.bn`, input, cout, 1, stride, false);
    }
    nodes.push({ op: "add", a: y, b: shortcut, output: `${prefix}:out`, relu: true });
    x = `${prefix}:out`;
    c = cout;
  };

  if ((SMALL_IMAGE_DEPTHS as readonly number[]).includes(arch.numLayers)) {
    x = convBn("stem.conv", "stem.bn", x, 16, 3, 1, true);
    const perStage = (arch.numLayers - 2) / 6;
    [16, 32, 64].forEach((width, s) => {
      for (let u = 0; u < perStage; u++) unit(`stage${s + 1}.unit${u + 1}`, width, s > 0 && u === 0 ? 2 : 1, false);
    });
  } else {
    const { units, bottleneck } = IMAGENET_UNITS[arch.numLayers];
    x = convBn("stem.conv", "stem.bn", x, 64, 7, 2, true);
    nodes.push({ op: "maxpool", input: x, output: "stem.pool:out", k: 3, stride: 2, pad: 1 });
    x = "stem.pool:out";
    [64, 128, 256, 512].forEach((width, s) => {
      for (let u = 0; u < units[s]; u++) unit(`stage${s + 1}.unit${u + 1}`, width, s > 0 && u === 0 ? 2 : 1, bottleneck);
    });
  }
  nodes.push({ op: "gap", input: x, output: "pool:out" });
  nodes.push({ op: "fc", name: "fc", input: "pool:out", output: "logits", cin: c, cout: arch.numClasses });
  const spec: NetSpec = { imageShape: [...arch.imageShape], numClasses: arch.numClasses, nodes, output: "logits" };
  try {
    shapesOf(spec);
  } catch (err) {
    throw new Error(`arch.imageShape: ${(err as Error).message.replace(/^network: /, "")} (ResNet-${arch.numLayers})`);
  }
  return spec;
}
