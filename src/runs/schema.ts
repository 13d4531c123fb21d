/**
 * JSON schemas of what readers take from a run directory: run.json, summary.json and each metrics.jsonl record.
 * Readers validate before use, so a hand-edited, truncated or foreign file is reported ("unreadable: $.status must
 * be one of …") instead of crashing a listing. Only the fields readers rely on are constrained; unknown fields pass
 * (newer writers may add some).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { runIdProblem } from './ids';

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const metrics = { type: 'object', additionalProperties: { type: ['number', 'null'] } } as const;

export const RUN_INFO_SCHEMA = {
  type: 'object',
  required: ['id', 'name', 'status', 'createdAt'],
  properties: {
    formatVersion: int,
    id: str,
    name: str,
    experiment: str,
    status: { enum: ['queued', 'running', 'finished', 'stopped', 'failed'] },
    reason: str,
    pid: int,
    createdAt: str,
    startedAt: str,
    endedAt: str,
    heartbeatAt: str,
    configPath: str,
    sweepPoint: { type: 'object' },
    dataset: str,
    backend: str,
    versions: { type: 'object' },
    progress: { type: 'object', required: ['epoch', 'epochs'], properties: { epoch: num, epochs: num, etaSeconds: { type: ['number', 'null'] } } },
    note: str,
    lease: {
      type: 'object', required: ['pid', 'host'],
      properties: { pid: { type: 'integer', minimum: 1 }, host: str, bootId: str, startTicks: int, since: str },
    },
  },
} as const;

export const SUMMARY_SCHEMA = {
  type: 'object',
  required: ['selectMetric', 'epochsRun'],
  properties: {
    selectMetric: str, selectSplit: { enum: ['test', 'valid'] }, bestEpoch: num, best: metrics, bestTest: metrics,
    lastEpoch: num, last: metrics, epochsRun: num, wallSeconds: num, finalLoss: { type: ['number', 'null'] },
  },
} as const;

const kind = (k: string, required: string[], properties: Record<string, unknown> = {}) => ({
  if: { properties: { kind: { const: k } } },
  then: { required, properties },
});

export const EVENT_SCHEMA = {
  type: 'object',
  required: ['t', 'kind'],
  properties: {
    t: num,
    kind: { enum: ['start', 'step', 'epoch', 'eval', 'temperature', 'sampler', 'log', 'phase', 'end'] },
  },
  allOf: [
    kind('start', ['runId', 'epochs'], { runId: str, name: str, epochs: num, stepsPerEpoch: num, dataset: { type: 'object' } }),
    kind('step', ['epoch', 'step', 'loss'], { epoch: num, step: num, loss: { type: ['number', 'null'] }, steps: num }),
    kind('epoch', ['epoch', 'loss'], { epoch: num, loss: { type: ['number', 'null'] }, seconds: num }),
    kind('eval', ['epoch', 'split', 'metrics'], { epoch: num, split: { enum: ['test', 'valid'] }, metrics }),
    kind('temperature', ['epoch', 'global'], { epoch: num, global: { type: ['number', 'null'] } }),
    kind('sampler', ['epoch'], { epoch: num }),
    kind('log', ['level', 'message'], { level: { enum: ['info', 'warn', 'error'] }, message: str }),
    kind('phase', ['phase'], { phase: str }),
    kind('end', ['status'], { status: { enum: ['finished', 'stopped', 'failed'] }, epochs: num, seconds: num }),
  ],
} as const;

let ajv: Ajv | undefined;
const compiled = new Map<object, ValidateFunction>();

function validator(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    ajv ??= new Ajv({ allErrors: false, strict: false });
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

function describe(e: ErrorObject): string {
  const where = '$' + e.instancePath.replace(/\/([^/]+)/g, (_, p: string) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`));
  if (e.keyword === 'required') return `${where}.${(e.params as { missingProperty: string }).missingProperty} is missing`;
  if (e.keyword === 'enum') return `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'type') return `${where} must be ${(e.params as { type: string | string[] }).type}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

/** Why `value` does not fit `schema` ("$.status must be one of …"), or undefined when it does. */
export function schemaProblem(schema: object, value: unknown): string | undefined {
  const v = validator(schema);
  if (v(value)) return undefined;
  const errors = (v.errors ?? []).filter((e) => e.keyword !== 'if');
  return errors.length ? describe(errors[0]!) : 'does not match the expected shape';
}

/** Why a parsed run.json cannot be used, or undefined. (An id that differs from its folder is only a warning.) */
export function runInfoProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `expected an object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`;
  const p = schemaProblem(RUN_INFO_SCHEMA, value);
  if (p) return p;
  const id = (value as { id: string }).id;
  const idp = runIdProblem(id);
  if (idp) return `$.id: ${idp}`;
  return undefined;
}

export function isValidEvent(value: unknown): boolean {
  return validator(EVENT_SCHEMA)(value);
}
