/**
 * Quoting user input inside messages. Anything read from a file or the command line may hold terminal control bytes
 * (NUL, ESC, CSI sequences that move the cursor or recolour the terminal, bidi overrides that reorder the text) or be
 * megabytes long; a message shows it escaped and cut, so a message is always one readable, bounded line.
 */

/** Longest piece of input shown in a message, in characters (the rest is summarised). */
export const MAX_QUOTED = 80;

// C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates, line/paragraph separators, BOM
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

/** Escapes control characters as \n, \t, \e or \xNN / \uNNNN; leaves every other character as is. */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => NAMED[c] ?? (c.charCodeAt(0) < 0x100 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Cuts s to at most max characters, saying how long it was. */
export function cut(s: string, max = MAX_QUOTED): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}… (${s.length} characters)`;
}

/** A piece of input for a message: escaped, cut, in double quotes: "ab\e[31mc". */
export function quote(s: string, max = MAX_QUOTED): string {
  const head = s.length > max ? s.slice(0, max) : s;
  const tail = s.length > max ? `… (${s.length.toLocaleString('en-US')} characters)` : '';
  return `"${escapeControls(head)}"${tail}`;
}

/**
 * Makes a whole message safe to print: control characters escaped except newlines (messages may list several
 * problems, one a line), and every line cut to a bounded length.
 */
export function safeMessage(message: string, maxLine = 2000): string {
  return message
    .split('\n')
    .map((line) => cut(escapeControls(line.replace(/\r$/, '')), maxLine))
    .join('\n');
}
