/**
 * Config problems as errors in the Problems panel (source "RecLab"), checked as the engine will check them
 * (host/configCheck.ts), with a quick fix for unknown keys that look like a typo. Train uses the same check and
 * refuses a config with problems.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { checkConfigText, lineColumn, type ConfigProblem } from './host/configCheck';

const CONFIG_SUFFIX = '.reclab.json';

export function isConfig(doc: vscode.TextDocument): boolean {
  return doc.uri.fsPath.endsWith(CONFIG_SUFFIX);
}

export class ConfigDiagnostics implements vscode.Disposable, vscode.CodeActionProvider {
  private readonly collection = vscode.languages.createDiagnosticCollection('reclab');
  private readonly subs: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly problems = new Map<string, ConfigProblem[]>();

  constructor() {
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.checkSoon(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.checkSoon(e.document, 300)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.problems.delete(d.uri.toString());
      }),
      vscode.languages.registerCodeActionsProvider({ pattern: `**/*${CONFIG_SUFFIX}` }, this, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    );
    for (const d of vscode.workspace.textDocuments) this.checkSoon(d, 0);
  }

  private checkSoon(doc: vscode.TextDocument, delay: number): void {
    if (!isConfig(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.check(doc);
    }, delay));
  }

  /** Checks a document now and publishes its diagnostics; returns its problems. */
  check(doc: vscode.TextDocument): ConfigProblem[] {
    const problems = checkConfigText(doc.getText());
    this.problems.set(doc.uri.toString(), problems);
    this.collection.set(doc.uri, problems.map((p) => {
      const range = new vscode.Range(doc.positionAt(p.offset), doc.positionAt(p.offset + p.length));
      const d = new vscode.Diagnostic(range, p.message, vscode.DiagnosticSeverity.Error);
      d.source = 'RecLab';
      if (p.suggestion) d.code = 'unknown-key';
      return d;
    }));
    return problems;
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    for (const d of ctx.diagnostics) {
      if (d.source !== 'RecLab' || d.code !== 'unknown-key') continue;
      const p = this.problems.get(doc.uri.toString())?.find((x) => x.suggestion && doc.positionAt(x.offset).isEqual(d.range.start));
      if (!p?.suggestion) continue;
      const fix = new vscode.CodeAction(`Change to "${p.suggestion}"`, vscode.CodeActionKind.QuickFix);
      fix.edit = new vscode.WorkspaceEdit();
      fix.edit.replace(doc.uri, d.range, JSON.stringify(p.suggestion));
      fix.diagnostics = [d];
      fix.isPreferred = true;
      out.push(fix);
    }
    return out;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subs) s.dispose();
    this.collection.dispose();
  }
}

/**
 * The problems of a config about to be trained, as a readable list ("line 9: $.optimizer: unknown key …"), or
 * undefined when it is fine. Publishes them to the Problems panel too.
 */
export function problemsBeforeTrain(diagnostics: ConfigDiagnostics | undefined, doc: vscode.TextDocument): string[] | undefined {
  const problems = diagnostics ? diagnostics.check(doc) : checkConfigText(doc.getText());
  if (!problems.length) return undefined;
  const text = doc.getText();
  return problems.map((p) => `line ${lineColumn(text, p.offset).line}: ${p.message}`);
}

export function configLabel(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false) || path.basename(uri.fsPath);
}
