/**
 * `serve`: the inference container. `GET /ping` answers 200 once the model
 * is loaded; `POST /invocations` takes one image (image/jpeg, image/png,
 * application/x-image), resizes it to image_shape without keeping the aspect
 * ratio, and answers the probabilities of all classes: a bare JSON array for
 * application/json (the real-time default), `{"prediction": [...]}` for
 * application/jsonlines (the batch-transform default).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import * as fs from "node:fs";
import type { MlPaths } from "../../container/contract";
import type { EngineModule, Predictor } from "../../nn/api";
import { architectureOf, ONNX_FILE, openModelFolder, readDescription, type ModelDescription } from "./artifacts";
import { ClientError } from "./errors";
import { decodeResized, writeCHW } from "./images";
import type { AlgorithmLog } from "./log";

export const ACCEPTED_CONTENT_TYPES = ["image/jpeg", "image/png", "application/x-image"] as const;
export const ACCEPT_TYPES = ["application/json", "application/jsonlines"] as const;
const DEFAULT_MAX_PAYLOAD_MB = 6;

export interface ServeOptions {
  paths: MlPaths;
  log: AlgorithmLog;
  engine: () => EngineModule;
  /** 0 picks a free port (tests). */
  port: number;
  /** SAGEMAKER_BATCH: a batch transform's container; JSON Lines is then the default answer. */
  batch: boolean;
  maxPayloadBytes?: number;
}

export interface RunningServer {
  port: number;
  description: ModelDescription;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const quoteList = (items: readonly string[]): string => `[${items.map((t) => `'${t}'`).join(", ")}]`;

/** The answer format for an Accept header: the first supported type listed, the default for none or a wildcard. */
export function chooseAccept(accept: string | undefined, batch: boolean): (typeof ACCEPT_TYPES)[number] {
  const fallback = batch ? "application/jsonlines" : "application/json";
  if (!accept || accept.trim() === "") return fallback;
  const types = accept.split(",").map((t) => t.split(";")[0].trim().toLowerCase());
  for (const t of types) {
    if ((ACCEPT_TYPES as readonly string[]).includes(t)) return t as (typeof ACCEPT_TYPES)[number];
    if (t === "*/*" || t === "application/*") return fallback;
  }
  throw new HttpError(406, `ClientError: Invalid accept type ${JSON.stringify(accept)}. Accepted types are ${quoteList(ACCEPT_TYPES)}`);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > limit) {
      req.resume();
      reject(new HttpError(413, `ClientError: The request body of ${declared} bytes exceeds the payload limit of ${limit} bytes.`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpError(413, `ClientError: The request body exceeds the payload limit of ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const { log } = o;
  const folder = openModelFolder(o.paths.model, "The model in model/");
  let description: ModelDescription;
  let predictor: Predictor;
  try {
    description = readDescription(folder.dir, "The model in model/");
    const onnxFile = path.join(folder.dir, ONNX_FILE);
    if (!fs.existsSync(onnxFile)) throw new ClientError(`The model in model/ lacks ${ONNX_FILE}; retrain it with this algorithm.`);
    log.info(`Loading model: ResNet-${description.num_layers}, image_shape ${description.image_shape.join(",")}, ${description.num_classes} classes (epoch ${description.epoch}).`);
    predictor = await o.engine().loadPredictor(fs.readFileSync(onnxFile), architectureOf(description));
  } finally {
    folder.cleanup();
  }
  const [channels, height, width] = description.image_shape;
  const limit = o.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_MB * 1024 * 1024;

  const invoke = async (req: http.IncomingMessage): Promise<{ type: string; body: string }> => {
    const contentType = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    const accept = chooseAccept(req.headers.accept, o.batch);
    if (!(ACCEPTED_CONTENT_TYPES as readonly string[]).includes(contentType)) {
      req.resume();
      throw new HttpError(400, `ClientError: Invalid content type${contentType ? ` ${contentType}` : ""}. Accepted content types are ${quoteList(ACCEPTED_CONTENT_TYPES)}`);
    }
    const body = await readBody(req, limit);
    if (body.length === 0) throw new HttpError(400, "ClientError: The request body is empty; send one image (JPEG or PNG).");
    let pixels;
    try {
      pixels = await decodeResized(body, channels as 1 | 3, width, height);
    } catch (e) {
      throw new HttpError(400, `ClientError: Unable to decode the request body as an image (${(e as Error).message}). Send one JPEG or PNG image.`);
    }
    const batch = new Float32Array(channels * height * width);
    writeCHW(pixels, batch, 0);
    const probabilities = Array.from(await predictor.predict(batch, 1));
    return accept === "application/json"
      ? { type: accept, body: JSON.stringify(probabilities) }
      : { type: accept, body: JSON.stringify({ prediction: probabilities }) };
  };

  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    };
    if (req.method === "GET" && url === "/ping") {
      req.resume();
      send(200, "text/plain", "");
      return;
    }
    if (req.method === "POST" && url === "/invocations") {
      invoke(req).then(
        (r) => send(200, r.type, r.body),
        (e: Error) => {
          if (e instanceof HttpError) {
            send(e.status, "text/plain", e.message);
          } else {
            log.error(`Inference failed: ${e.stack ?? e.message}`);
            send(500, "text/plain", `AlgorithmError: inference failed: ${e.message}`);
          }
        },
      );
      return;
    }
    req.resume();
    send(404, "text/plain", `No route for ${req.method} ${url}; the container serves GET /ping and POST /invocations.`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info(`Serving on 127.0.0.1:${port}${o.batch ? " for batch transform" : ""} (payload limit ${limit} bytes).`);
  return {
    port,
    description,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await predictor.dispose();
    },
  };
}
