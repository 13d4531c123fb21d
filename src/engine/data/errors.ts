import { safeMessage } from '../text/quote';

/**
 * Errors a user can fix in their data or dataset config. The message always starts with the file (as written in the
 * config, joined with the file name) and, for content errors, the 1-based line: `data/yelp/train.txt:17: …`.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    message: string,
    /** absolute path of the offending file, when there is one */
    readonly file?: string,
    /** 1-based line number, when the error is about one line */
    readonly line?: number,
  ) {
    // the file name and any quoted input come from the user: never let a control byte reach the terminal
    super(safeMessage(message));
  }
}

/** A data file: where it is, and how to name it in messages. */
export interface FileRef {
  path: string;
  display: string;
}

export function lineError(file: FileRef, line: number, what: string): DatasetError {
  return new DatasetError(`${file.display}:${line}: ${what}`, file.path, line);
}

export function fileError(file: FileRef, what: string): DatasetError {
  return new DatasetError(`${file.display}: ${what}`, file.path);
}
