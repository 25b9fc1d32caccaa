/**
 * The local S3's storage, as other parts of the local SageMaker use it in
 * process (training jobs download channels and upload model.tar.gz, batch
 * transform reads inputs and writes outputs). Writes are atomic: an object is
 * either absent or complete.
 */
import type { Readable } from "node:stream";

export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  /** Quoted, as S3 returns it. */
  etag: string;
  lastModified: Date;
  contentType?: string;
  metadata: Record<string, string>;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
}

/** Thrown by the store with S3's own error codes. */
export class StoreError extends Error {
  constructor(
    readonly code:
      | "NoSuchBucket"
      | "NoSuchKey"
      | "InvalidBucketName"
      | "KeyTooLongError"
      | "InvalidArgument"
      | "NoSpace"
      | "BucketNotEmpty"
      | "PreconditionFailed"
      | "EntityTooLarge",
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface ObjectStore {
  bucketExists(bucket: string): Promise<boolean>;
  createBucket(bucket: string): Promise<void>;
  headObject(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(bucket: string, prefix: string): AsyncIterable<ObjectInfo>;
  openObject(bucket: string, key: string): Promise<Readable>;
  /** Copies the object to a local file (written atomically). */
  downloadTo(bucket: string, key: string, filePath: string): Promise<ObjectInfo>;
  /** Stores a local file as an object, atomically. */
  putObjectFromFile(bucket: string, key: string, filePath: string, opts?: PutOptions): Promise<ObjectInfo>;
  putObject(bucket: string, key: string, body: Buffer, opts?: PutOptions): Promise<ObjectInfo>;
}
