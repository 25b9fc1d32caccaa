/** Real-time inference (C16-C18): one image in, the class probabilities out. */
import * as fsp from "node:fs/promises";
import sharp from "sharp";
import type { Metadata } from "sharp";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { parsePrediction } from "./predictions";
import type { TutorialSession } from "./session";

/** What the algorithm accepts (application/x-image carries either). */
export const SUPPORTED_IMAGE_FORMATS = ["jpeg", "png"] as const;
export type ImageFormat = (typeof SUPPORTED_IMAGE_FORMATS)[number];

export interface CheckedImage {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Reads the image header with sharp; anything but a JPEG or PNG is refused before it is sent. */
export async function checkImage(bytes: Uint8Array, source: string): Promise<CheckedImage> {
  if (bytes.length === 0) throw new Error(`image: ${source} is empty.`);
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (e) {
    throw new Error(`image: ${source} is not an image sharp can read (${(e as Error).message}). Send a JPEG or PNG file.`);
  }
  const format = meta.format as string | undefined;
  if (format !== "jpeg" && format !== "png") {
    throw new Error(
      `image: ${source} is ${format ?? "of unknown type"}; the image-classification algorithm takes JPEG or PNG ` +
        `(application/x-image). Convert it first, e.g. await sharp(bytes).jpeg().toBuffer().`,
    );
  }
  return { format, width: meta.width ?? 0, height: meta.height ?? 0 };
}

export async function readImageFile(file: string): Promise<{ bytes: Buffer; image: CheckedImage }> {
  const bytes = await fsp.readFile(file).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`image: cannot read ${file} (${e.code ?? e.message}).`);
  });
  return { bytes, image: await checkImage(bytes, file) };
}

/** InvokeEndpoint with `application/x-image`; returns the probabilities of all classes. */
export async function classifyImage(session: TutorialSession, endpointName: string, bytes: Uint8Array): Promise<number[]> {
  await checkImage(bytes, "the payload");
  const answer = await session.clients.runtime.send(
    new InvokeEndpointCommand({ EndpointName: endpointName, ContentType: "application/x-image", Body: bytes }),
  );
  if (!answer.Body) throw new Error(`endpoint ${endpointName}: the answer has no body.`);
  return parsePrediction(answer.Body, `endpoint ${endpointName}`);
}
