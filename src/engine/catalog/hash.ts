import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { CatalogFile } from './catalog';

export interface FileDigests {
  bytes: number;
  sha256: string;
  /** git blob id: sha1("blob <size>\0" + content) */
  gitBlob: string;
  md5: string;
}

/** Hashes a file in one streaming pass: sha256, git blob id and md5. */
export async function hashFile(file: string): Promise<FileDigests> {
  const bytes = (await fs.promises.stat(file)).size;
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1').update(`blob ${bytes}\0`);
  const md5 = createHash('md5');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    sha256.update(chunk as Buffer);
    sha1.update(chunk as Buffer);
    md5.update(chunk as Buffer);
  }
  return { bytes, sha256: sha256.digest('hex'), gitBlob: sha1.digest('hex'), md5: md5.digest('hex') };
}

/** A file whose content does not match the catalogue: names the file, the check, expected and actual values. */
export class ChecksumError extends Error {
  constructor(
    readonly file: string,
    readonly check: 'bytes' | 'sha256' | 'gitBlob' | 'md5',
    readonly expected: string | number,
    readonly actual: string | number,
  ) {
    super(`${file}: ${check === 'bytes' ? 'size' : check} mismatch — expected ${expected}, got ${actual}` +
      (check === 'bytes' ? ' bytes' : ''));
    this.name = 'ChecksumError';
  }
}

/** Throws a ChecksumError for the first catalogue checksum (size first) that `d` does not match. */
export function checkDigests(label: string, spec: CatalogFile, d: FileDigests): void {
  if (spec.bytes !== undefined && spec.bytes !== d.bytes) throw new ChecksumError(label, 'bytes', spec.bytes, d.bytes);
  for (const k of ['sha256', 'gitBlob', 'md5'] as const) {
    const want = spec[k];
    if (want !== undefined && want !== d[k]) throw new ChecksumError(label, k, want, d[k]);
  }
}
