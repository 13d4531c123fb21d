/**
 * Run ids name a folder of the runs directory, so they must be exactly one safe path segment: letters, digits, '.',
 * '_' and '-', starting with a letter or digit, at most 128 characters. Checked when a run is created (`--id`) and
 * when a run.json is read (an id that would escape its folder is never joined into a path, e.g. by Delete Runs).
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Why `id` is not a valid run id, or undefined when it is. */
export function runIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || !id) return 'a run id must be a non-empty string';
  if (id.length > 128) return `a run id has at most 128 characters (got ${id.length})`;
  if (!RUN_ID_PATTERN.test(id) || id.includes('..')) {
    return `${JSON.stringify(id.length > 60 ? id.slice(0, 60) + '…' : id)} is not a valid run id: use one folder name of letters, digits, '.', '_' and '-' (no '/', '\\\\' or '..'), starting with a letter or digit`;
  }
  return undefined;
}

export class RunIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunIdError';
  }
}

/** Throws a RunIdError ("<what>: … is not a valid run id …") unless `id` is valid. */
export function checkRunId(id: unknown, what = 'run id'): asserts id is string {
  const p = runIdProblem(id);
  if (p) throw new RunIdError(`${what}: ${p}`);
}
