/**
 * Losses over logits [N, K], averaged over the batch.
 *
 * softmax cross-entropy: labels are class indices [N] (floats holding integers).
 * sigmoid binary cross-entropy (multi-label): labels are multi-hot [N, K]; the
 * loss sums over classes and averages over the batch, so its gradient is
 * (p - y)/N per logit as with MXNet's logistic output and rescale_grad 1/N.
 * Optional per-class weights multiply the positive terms.
 */
import type { Value } from "../graph/builder";
import type { Ctx } from "./context";

export interface LossOut {
  loss: Value;
  probabilities: Value;
  dlogits: Value;
}

export function softmaxCrossEntropy(ctx: Ctx, logits: Value, labels: Value, numClasses: number): LossOut {
  const { o, g } = ctx;
  const n = ctx.n;
  const onehot = o.oneHot(o.cast(labels, "int64"), numClasses);
  const logp = o.logSoftmax(logits);
  const loss = o.mul(o.reduceSum(o.mul(onehot, logp), [0, 1], false), g.scalar(-1 / n));
  const probabilities = o.exp(logp);
  const dlogits = o.mul(o.sub(probabilities, onehot), g.scalar(1 / n));
  return { loss, probabilities, dlogits };
}

export function sigmoidBinaryCrossEntropy(ctx: Ctx, logits: Value, labels: Value, classWeights: Float32Array | null): LossOut {
  const { o, g } = ctx;
  const n = ctx.n;
  const probabilities = o.sigmoid(logits);
  const one = g.scalar(1);
  const negatives = o.sub(one, labels);
  // -log(p) = softplus(-z), -log(1-p) = softplus(z): stable for large |z|.
  let positives: Value = labels;
  if (classWeights) {
    const w = g.constant(classWeights.slice(), "float", [1, classWeights.length], "class_weights");
    positives = o.mul(labels, w);
  }
  const perElement = o.add(o.mul(positives, o.softplus(o.neg(logits))), o.mul(negatives, o.softplus(logits)));
  const loss = o.mul(o.reduceSum(perElement, [0, 1], false), g.scalar(1 / n));
  // d/dz = p*(w*y + 1 - y) - w*y
  const dlogits = o.mul(o.sub(o.mul(probabilities, o.add(positives, negatives)), positives), g.scalar(1 / n));
  return { loss, probabilities, dlogits };
}
