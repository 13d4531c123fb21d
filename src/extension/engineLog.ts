/**
 * The "RecLab Engine" output channel: the process manager's own lines, the engines' captured stdout/stderr and
 * the runs' log events, each prefixed with a short run tag.
 */
import * as vscode from 'vscode';

export class EngineLog implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('RecLab Engine');

  line(message: string): void {
    this.channel.appendLine(`${new Date().toISOString().slice(11, 19)} ${message}`);
  }

  output(runId: string, text: string): void {
    const tag = shortId(runId);
    for (const l of text.replace(/\n$/, '').split('\n')) this.channel.appendLine(`[${tag}] ${l}`);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

/** "20261122-103045-mf-bpr-3fa2" → "mf-bpr-3fa2" */
export function shortId(id: string): string {
  return id.replace(/^\d{8}-\d{6}-/, '');
}
