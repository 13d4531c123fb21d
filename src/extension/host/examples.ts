/** Bundled examples copied into a workspace (no vscode). */
import { applyEdits, modify } from 'jsonc-parser';

/**
 * An example's text without its "$schema": that relative path only resolves inside the RecLab repository and, once
 * copied, would override the extension's schema (no completion, "Unable to load schema"). Formatting is kept.
 */
export function exampleCopy(text: string): string {
  return applyEdits(text, modify(text, ['$schema'], undefined, { formattingOptions: { insertSpaces: true, tabSize: 2 } }));
}
