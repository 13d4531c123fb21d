/**
 * Binary container for recorded host→webview message streams (messages hold typed arrays, which JSON cannot carry):
 *   u32 header length | header JSON | zero padding to 8 | typed-array bytes
 * In the header, each typed array is replaced by {"$typed": "Float64Array", "offset": n, "length": n}.
 * The browser side (stub.js) decodes it with copies, so every message owns its arrays as a real postMessage would.
 */
export interface RecordedMessage {
  /** milliseconds since the recording started (virtual clock of the host session) */
  at: number;
  message: unknown;
}

export function encodeStream(messages: RecordedMessage[]): Buffer {
  const blobs: Buffer[] = [];
  let offset = 0;
  const header = JSON.stringify(messages, (_k, v) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const ta = v as Float64Array;
      const bytes = Buffer.from(ta.buffer, ta.byteOffset, ta.byteLength);
      const pad = (8 - (offset % 8)) % 8;
      if (pad) {
        blobs.push(Buffer.alloc(pad));
        offset += pad;
      }
      const ref = { $typed: ta.constructor.name, offset, length: ta.length };
      blobs.push(bytes);
      offset += bytes.length;
      return ref;
    }
    return v;
  });
  const head = Buffer.from(header, 'utf8');
  const lenBuf = Buffer.alloc(4);
  lenBuf.writeUInt32LE(head.length);
  const pre = 4 + head.length;
  const prePad = Buffer.alloc((8 - (pre % 8)) % 8);
  return Buffer.concat([lenBuf, head, prePad, ...blobs]);
}
