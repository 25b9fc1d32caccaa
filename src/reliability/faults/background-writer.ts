/**
 * A client that keeps writing small objects while a fault is injected: PUTs
 * of 1-64 KiB to a few hundred keys in turn (so keys are also overwritten), each recorded in
 * the ledger before it is sent and acknowledged when S3 answers 200.
 */
import * as crypto from "node:crypto";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { ServerAddress } from "../clients";
import { md5Hex } from "../liveness";
import { sleep } from "../poll";
import type { ObjectLedger } from "./ledger";

/** Keys written in turn: enough distinct objects to check, few enough that keys are overwritten during a run. */
const KEYS = 200;

export class BackgroundWriter {
  private stopped = false;
  private readonly done: Promise<void>;
  private readonly s3: S3Client;
  errors = 0;

  constructor(server: ServerAddress, private readonly ledger: ObjectLedger) {
    this.s3 = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      forcePathStyle: true,
      maxAttempts: 1,
    });
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    for (let n = 0; !this.stopped; n++) {
      const key = `${this.ledger.prefix}${n % KEYS}`;
      const body = crypto.randomBytes(1024 + crypto.randomInt(63 * 1024));
      const md5 = md5Hex(body);
      this.ledger.attempt(key, md5);
      try {
        await this.s3.send(new PutObjectCommand({ Bucket: this.ledger.bucket, Key: key, Body: body }));
        this.ledger.acknowledge(key, md5);
      } catch {
        // The server is down (the fault): keep trying until stopped, slower.
        this.errors++;
        await sleep(50);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    this.s3.destroy();
  }
}
