/**
 * CodeLens above the `name` of each *.reclab.json: Train, Train sweep (when there is one), Compare with…, and the
 * best result (or progress) of the config's latest run.
 */
import * as vscode from 'vscode';
import type { RunStore } from '../runs/store';
import { progressText, resultText } from './host/format';
import { expandGrid } from './host/queue';
import { readSettings } from './settings';

export class ConfigCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: RunStore) {
    this.sub = store.onDidChange(() => {
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.changed.fire();
      }, 500);
    });
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const text = doc.getText();
    const m = /"name"\s*:/.exec(text);
    const pos = doc.positionAt(m ? m.index : 0);
    const range = new vscode.Range(pos, pos);
    const lenses = [new vscode.CodeLens(range, { title: '$(play) Train', command: 'reclab.train', arguments: [doc.uri] })];
    let json: { sweep?: Record<string, unknown[]> } | undefined;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const points = expandGrid(json?.sweep).length;
    if (points) lenses.push(new vscode.CodeLens(range, { title: `$(run-all) Train sweep (${points} runs)`, command: 'reclab.trainSweep', arguments: [doc.uri] }));
    lenses.push(new vscode.CodeLens(range, { title: '$(diff) Compare with…', command: 'reclab.compareConfigs', arguments: [doc.uri] }));
    const latest = this.store.list().find((r) => r.info.configPath === doc.uri.fsPath);
    if (latest) {
      let title: string;
      if (latest.info.status === 'running') {
        title = `$(sync~spin) running · ${progressText(latest)}`;
      } else {
        const result = resultText(latest, readSettings().defaultMetric);
        title = result ? `$(star-full) latest run: ${result} (${latest.info.status})` : `latest run: ${latest.info.status}`;
      }
      lenses.push(new vscode.CodeLens(range, { title, command: 'reclab.openDashboard', arguments: [latest.id] }));
    }
    return lenses;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.sub.dispose();
    this.changed.dispose();
  }
}
