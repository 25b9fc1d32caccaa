/**
 * The local S3 through the real SDK on loopback, against the floor a local
 * store cannot beat: large PUT/GET throughput beside writing (with fsync) and
 * reading the same bytes with plain `fs`, and small-object PUT latency beside
 * one bare HTTP round trip to a server that does nothing.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { Readable } from "node:stream";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { startTestServer } from "../test/helpers/local-server";
import { ratio, type BenchResult } from "./types";

export const title = "Local S3 throughput and latency";

const MiB = 1024 * 1024;

function chunksOf(data: Buffer, size = MiB): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<BenchResult[]> {
  const size = (opts.quick ? 32 : 128) * MiB;
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) data.writeUInt32LE(i * 2654435761 >>> 0, i);
  const srv = await startTestServer({ services: [] });
  const s3 = new S3Client(srv.clientConfig);
  const bare = http.createServer((req, res) => req.resume().on("end", () => res.end()));
  await new Promise<void>((r) => bare.listen(0, "127.0.0.1", r));
  const barePort = (bare.address() as AddressInfo).port;
  const results: BenchResult[] = [];
  try {
    await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
    const mbps = (ms: number) => Math.round((size / MiB / (ms / 1000)) * 10) / 10;

    const fsFile = path.join(srv.dataDir, "fs-reference.bin");
    const fsWrite = await timeMs(async () => {
      const fh = await fs.promises.open(fsFile, "w");
      await fh.writeFile(data);
      await fh.sync();
      await fh.close();
    });
    const fsRead = await timeMs(() => fs.promises.readFile(fsFile));

    const put = await timeMs(() => s3.send(new PutObjectCommand({ Bucket: "bench", Key: "big", Body: Readable.from(chunksOf(data)), ContentLength: size })));
    opts.log(`PutObject ${size / MiB} MiB stream (aws-chunked, CRC32 trailer): ${put.toFixed(0)} ms; fs write+fsync ${fsWrite.toFixed(0)} ms`);
    results.push({ name: "s3 PutObject stream", unit: "MB/s", project: mbps(put), reference: mbps(fsWrite), ratio: ratio(mbps(put), mbps(fsWrite)), note: "reference: fs write + fsync of the same bytes" });

    // Checksums the SDK computes in JS on its side too (the server verifies every byte before storing).
    for (const alg of ["CRC32C", "CRC64NVME"] as const) {
      const ms = await timeMs(() => s3.send(new PutObjectCommand({ Bucket: "bench", Key: `big-${alg}`, Body: Readable.from(chunksOf(data)), ContentLength: size, ChecksumAlgorithm: alg })));
      results.push({ name: `s3 PutObject stream (${alg})`, unit: "MB/s", project: mbps(ms), reference: mbps(fsWrite), ratio: ratio(mbps(ms), mbps(fsWrite)), note: "reference: fs write + fsync; both sides compute the checksum" });
    }

    const get = await timeMs(async () => {
      const res = await s3.send(new GetObjectCommand({ Bucket: "bench", Key: "big", ChecksumMode: "ENABLED" }));
      for await (const _chunk of res.Body as AsyncIterable<Buffer>) {
        // drain; the SDK validates the CRC32 as it streams
      }
    });
    results.push({ name: "s3 GetObject (CRC32 validated)", unit: "MB/s", project: mbps(get), reference: mbps(fsRead), ratio: ratio(mbps(get), mbps(fsRead)), note: "reference: fs readFile" });

    const upload = await timeMs(() => new Upload({ client: s3, params: { Bucket: "bench", Key: "multipart", Body: Readable.from(chunksOf(data)) }, partSize: 8 * MiB, queueSize: 4 }).done());
    results.push({ name: "s3 lib-storage Upload (8 MiB parts)", unit: "MB/s", project: mbps(upload), reference: mbps(fsWrite), ratio: ratio(mbps(upload), mbps(fsWrite)), note: "reference: fs write + fsync" });

    const n = opts.quick ? 50 : 200;
    const small = Buffer.alloc(1024, 7);
    const putLatencies: number[] = [];
    for (let i = 0; i < n; i++) putLatencies.push(await timeMs(() => s3.send(new PutObjectCommand({ Bucket: "bench", Key: `small/${i % 20}`, Body: small }))));
    const bareLatencies: number[] = [];
    for (let i = 0; i < n; i++) {
      bareLatencies.push(
        await timeMs(
          () =>
            new Promise<void>((resolve, reject) => {
              const req = http.request({ host: "127.0.0.1", port: barePort, method: "PUT", path: "/", headers: { "content-length": small.length } }, (res) => {
                res.resume();
                res.on("end", () => resolve());
              });
              req.on("error", reject);
              req.end(small);
            }),
        ),
      );
    }
    const p50 = Math.round(median(putLatencies) * 100) / 100;
    const bareP50 = Math.round(median(bareLatencies) * 100) / 100;
    results.push({ name: "s3 PutObject 1 KiB p50", unit: "ms", project: p50, reference: bareP50, ratio: ratio(p50, bareP50, true), note: "reference: bare node:http round trip" });
  } finally {
    s3.destroy();
    bare.close();
    await srv.stop();
  }
  return results;
}
