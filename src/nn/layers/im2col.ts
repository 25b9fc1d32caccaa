/**
 * Gather indices that lay out convolution patches (im2col) and fold them back
 * (col2im), for the weight gradients and the GEMM convs of conv.ts. Taps
 * outside the image point at a zero slot or row placed after each sample.
 */

/**
 * Row indices into padded NCHW rows [(n, c, y), W'] for samples
 * first..first+chunk: output row (c-block, kh, lane) x column (n, oy) reads
 * row y = oy*stride + kh of channel c = c-block*b + lane.
 */
export function laneRowIndices(geo: { cb: number; b: number; n: number; hp: number; ho: number; k: number; stride: number; first: number; chunk: number }): Int32Array {
  const { cb, b, n, hp, ho, k, stride, first, chunk } = geo;
  if (cb * b * n * hp > 2 ** 31 - 1) throw new Error("im2col: tensor too large for int32 indices");
  const out = new Int32Array(cb * k * b * chunk * ho);
  let at = 0;
  for (let c = 0; c < cb; c++) {
    for (let kh = 0; kh < k; kh++) {
      for (let lane = 0; lane < b; lane++) {
        for (let s = first; s < first + chunk; s++) {
          const base = (s * cb * b + c * b + lane) * hp + kh;
          for (let oy = 0; oy < ho; oy++) out[at++] = base + oy * stride;
        }
      }
    }
  }
  return out;
}

export interface Im2colGeometry {
  c: number;
  h: number;
  w: number;
  ho: number;
  wo: number;
  k: number;
  stride: number;
  pad: number;
}

/**
 * Gather indices [K, chunk*P] (K = c, kh, kw) into a chunk of NCHW samples
 * laid out [chunk, C*H*W + 1]; the last slot of each sample is zero.
 */
export function im2colIndices(geo: Im2colGeometry, chunk: number): Int32Array {
  const { c, h, w, ho, wo, k } = geo;
  const perSample = c * h * w + 1;
  if (chunk * perSample > 2 ** 31 - 1) throw new Error("im2col: tensor too large for int32 indices");
  const p = ho * wo;
  const out = new Int32Array(c * k * k * chunk * p);
  let at = 0;
  for (let ci = 0; ci < c; ci++) {
    for (let kh = 0; kh < k; kh++) {
      for (let kw = 0; kw < k; kw++) {
        for (let n = 0; n < chunk; n++) {
          forEachTap(geo, kh, kw, (inside, y, xx) => {
            out[at++] = n * perSample + (inside ? (ci * h + y) * w + xx : perSample - 1);
          });
        }
      }
    }
  }
  return out;
}

/**
 * Gather indices [chunk*P, C/b * k * k] of rows (b lanes each) into a chunk of
 * blocked samples laid out [chunk, C/b*H*W + 1, b]; the last row of each
 * sample is zero. `geo.c` counts channel blocks.
 */
export function im2rowIndices(geo: Im2colGeometry, chunk: number): Int32Array {
  const { c, h, w, ho, wo, k } = geo;
  const perSample = c * h * w + 1;
  if (chunk * perSample > 2 ** 31 - 1) throw new Error("im2col: tensor too large for int32 indices");
  const p = ho * wo;
  const outer = c * k * k;
  const out = new Int32Array(chunk * p * outer);
  for (let cb = 0; cb < c; cb++) {
    for (let kh = 0; kh < k; kh++) {
      for (let kw = 0; kw < k; kw++) {
        const col = (cb * k + kh) * k + kw;
        for (let n = 0; n < chunk; n++) {
          let pos = n * p;
          forEachTap(geo, kh, kw, (inside, y, xx) => {
            out[pos++ * outer + col] = n * perSample + (inside ? (cb * h + y) * w + xx : perSample - 1);
          });
        }
      }
    }
  }
  return out;
}

/** Calls back for every output position (row-major) with the input pixel tap (kh, kw) reads. */
function forEachTap(geo: Im2colGeometry, kh: number, kw: number, fn: (inside: boolean, y: number, x: number) => void): void {
  const { h, w, ho, wo, stride, pad } = geo;
  for (let oy = 0; oy < ho; oy++) {
    const y = oy * stride - pad + kh;
    for (let ox = 0; ox < wo; ox++) {
      const xx = ox * stride - pad + kw;
      fn(y >= 0 && y < h && xx >= 0 && xx < w, y, xx);
    }
  }
}

/**
 * For each (c-block, input position): the rows (output position, c-block,
 * kh, kw) of dcol [P' * C/b*k*k, b] that read it, padded to the largest
 * count (`readers`) with the zero row that follows them.
 */
export function col2rowIndices(geo: Im2colGeometry): { index: Int32Array; readers: number } {
  const { c, h, w, ho, wo, k } = geo;
  const outer = c * k * k;
  const lists: number[][] = Array.from({ length: c * h * w }, () => []);
  for (let cb = 0; cb < c; cb++) {
    for (let kh = 0; kh < k; kh++) {
      for (let kw = 0; kw < k; kw++) {
        let pos = 0;
        forEachTap(geo, kh, kw, (inside, y, xx) => {
          if (inside) lists[(cb * h + y) * w + xx].push(pos * outer + (cb * k + kh) * k + kw);
          pos++;
        });
      }
    }
  }
  const readers = Math.max(1, ...lists.map((l) => l.length));
  const zero = ho * wo * outer;
  const index = new Int32Array(lists.length * readers).fill(zero);
  lists.forEach((l, i) => index.set(l, i * readers));
  return { index, readers };
}
