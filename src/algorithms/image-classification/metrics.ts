/**
 * Accuracy as the algorithm logs it. Single label: the arg-max class is the
 * label (top-k: the label is among the k most probable). Multi-label: the
 * fraction of (image, class) decisions right at a 0.5 threshold.
 */
export class AccuracyMeter {
  private correct = 0;
  private topKCorrect = 0;
  private total = 0;

  constructor(
    private readonly numClasses: number,
    private readonly multiLabel: boolean,
    private readonly topK: number | null,
  ) {}

  /** `probabilities`: n x numClasses; `labels`: n class indices, or n x numClasses 0/1 values. */
  add(probabilities: Float32Array, labels: Float32Array, n: number): void {
    const C = this.numClasses;
    for (let i = 0; i < n; i++) {
      const row = probabilities.subarray(i * C, (i + 1) * C);
      if (this.multiLabel) {
        for (let c = 0; c < C; c++) if (row[c] >= 0.5 === (labels[i * C + c] >= 0.5)) this.correct++;
        this.total += C;
        continue;
      }
      const label = labels[i];
      const p = row[label];
      // Rank of the label: classes strictly more probable, plus equally probable ones before it (arg-max takes the first).
      let rank = 0;
      for (let c = 0; c < C; c++) if (row[c] > p || (row[c] === p && c < label)) rank++;
      if (rank === 0) this.correct++;
      if (this.topK !== null && rank < this.topK) this.topKCorrect++;
      this.total++;
    }
  }

  get accuracy(): number {
    return this.total ? this.correct / this.total : 0;
  }

  /** Top-k accuracy, or null when top_k is not set or the labels are multi-label. */
  get topKAccuracy(): number | null {
    return this.topK === null || this.multiLabel ? null : this.total ? this.topKCorrect / this.total : 0;
  }
}
