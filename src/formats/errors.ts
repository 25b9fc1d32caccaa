/** A file (or buffer) is not in the format it should be; the message says where and what to do. */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FormatError";
  }
}
