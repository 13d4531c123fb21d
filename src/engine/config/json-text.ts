/**
 * Parses JSON config text with a position for every problem: `exp.reclab.json:3:18: …`. Strict JSON (RFC 8259), the
 * format of every *.reclab.json and of run folders: comments and trailing commas are errors, and so is a key given
 * twice in one object (JSON.parse would silently keep the last one, so a config could say two things at once).
 * jsonc-parser (the parser VS Code uses) reports every syntax error with its offset instead of stopping at the first.
 */
import { parse, printParseErrorCode, visit, type ParseError } from 'jsonc-parser';
import { quote } from '../text/quote';

export interface JsonProblem {
  line: number;
  column: number;
  message: string;
}

const WORDING: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a key in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected "," or the end of the object/array',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'unexpected text after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string (control characters must be escaped)',
};

/** 1-based line and column of an offset (columns count UTF-16 code units, as editors do). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Parses `text`; returns the value, or every problem (syntax errors, duplicate keys) with its position. */
export function parseJsonText(text: string): { value: unknown; problems: JsonProblem[] } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a UTF-8 BOM is accepted (Windows editors write one)
  const shift = text.length - body.length;
  const at = (offset: number): { line: number; column: number } => lineColumn(text, offset + shift);
  const problems: JsonProblem[] = [];
  if (body.trim() === '') return { value: undefined, problems: [{ line: 1, column: 1, message: 'the file is empty (expected a JSON object)' }] };
  const errors: ParseError[] = [];
  const value = parse(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  for (const e of errors) {
    const name = printParseErrorCode(e.error);
    let message = WORDING[name] ?? name;
    if (name === 'InvalidSymbol' || name === 'ValueExpected') {
      const token = body.slice(e.offset, e.offset + Math.max(1, e.length));
      if (token.trim()) message += ` ${quote(token, 20)}`;
      if (/^(NaN|-?Infinity)$/.test(token)) message = `${token} is not a JSON number (write a finite number)`;
      if (/^'/.test(token)) message = 'strings and keys need double quotes';
    }
    if (name === 'CommaExpected' && body[e.offset] === '"') message = 'expected "," before this key';
    if (name === 'ValueExpected' || name === 'PropertyNameExpected') {
      const prev = body.slice(0, e.offset).trimEnd();
      if (prev.endsWith(',') && /^\s*[}\]]/.test(body.slice(e.offset))) message = 'trailing comma (not allowed in JSON)';
    }
    problems.push({ ...at(e.offset), message });
  }
  // duplicate keys, per object
  const stack: Set<string>[] = [];
  visit(body, {
    onObjectBegin: () => void stack.push(new Set()),
    onObjectEnd: () => void stack.pop(),
    onObjectProperty: (key, offset) => {
      const seen = stack[stack.length - 1];
      if (!seen) return;
      if (seen.has(key)) problems.push({ ...at(offset), message: `duplicate key ${quote(key)} (JSON objects cannot repeat a key)` });
      seen.add(key);
    },
  }, { disallowComments: true, allowTrailingComma: false });
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { value, problems: dedupe(problems) };
}

function dedupe(p: JsonProblem[]): JsonProblem[] {
  const seen = new Set<string>();
  return p.filter((x) => {
    const k = `${x.line}:${x.column}:${x.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
