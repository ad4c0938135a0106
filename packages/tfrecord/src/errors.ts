/** A TFRecord file is malformed; names the file and the byte offset of the bad record. */
export class TFRecordError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}: ${reason} (record at byte offset ${offset})`);
    this.name = 'TFRecordError';
  }
}
