/**
 * Status bar item while runs are active, and notifications when a run finishes or fails. Driven by the run store
 * (so runs started from a terminal count too) and by the process manager (queue, launch failures).
 */
import * as vscode from 'vscode';
import type { RunStatus } from '../protocol/events';
import type { RunStore } from '../runs/store';
import { resultText, truncate } from './host/format';
import type { ProcessManager } from './host/manager';
import { statusBarText } from './host/statusText';
import { readSettings } from './settings';

/** the status bar item's command (registered once by RunMonitor) */
export const STATUS_CLICK_COMMAND = 'reclab.statusBarClick';

export interface MonitorActions {
  openDashboard(runId: string): void;
  showRunLog(runId: string): void;
  showEngineLog(): void;
}

export class RunMonitor implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('reclab.status', vscode.StatusBarAlignment.Left, 50);
  private readonly lastStatus = new Map<string, RunStatus>();
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** the run a click on the status bar opens ('' = the Runs view) */
  private clickTarget = '';

  constructor(private readonly store: RunStore, private readonly manager: ProcessManager, private readonly actions: MonitorActions) {
    this.item.name = 'RecLab runs';
    // one command, registered once: the item never carries a Command object with arguments (VS Code registers a
    // temporary command per such object and a click racing an update ended in "Actual command not found")
    this.subs.push(vscode.commands.registerCommand(STATUS_CLICK_COMMAND, () => {
      if (this.clickTarget) this.actions.openDashboard(this.clickTarget);
      else void vscode.commands.executeCommand('reclab.runs.focus');
    }));
    this.item.command = STATUS_CLICK_COMMAND;
    for (const r of store.list()) this.lastStatus.set(r.id, r.info.status);
    this.subs.push(store.onDidChange((c) => {
      if (c.kind === 'removed') {
        this.lastStatus.delete(c.id);
      } else if (c.record) {
        const before = this.lastStatus.get(c.id);
        const now = c.record.info.status;
        this.lastStatus.set(c.id, now);
        if (before && before !== now && (before === 'running' || before === 'queued')) this.notifyEnd(c.id, now);
      }
      this.updateSoon();
    }));
    this.subs.push(manager.onEvent((e) => {
      if (e.type === 'queue-changed') this.updateSoon();
      if (e.type === 'ended' && !e.runExists && e.status === 'failed') {
        void vscode.window.showErrorMessage(`RecLab: the run could not start — ${truncate(e.reason ?? 'unknown error', 300)}`, 'Show Log')
          .then((a) => (a ? this.actions.showEngineLog() : undefined));
      }
    }));
    this.update();
  }

  private updateSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, 200);
  }

  update(): void {
    const running = this.store.list().filter((r) => r.info.status === 'running').reverse();
    const s = statusBarText(running, this.manager.queued().length);
    if (!s) {
      this.item.hide();
      return;
    }
    this.clickTarget = s.runId;
    if (this.item.text !== s.text) this.item.text = s.text;
    if (this.item.tooltip !== s.tooltip) this.item.tooltip = s.tooltip;
    this.item.show();
  }

  private notifyEnd(id: string, status: RunStatus): void {
    const record = this.store.get(id);
    if (!record) return;
    const name = record.info.name;
    if (status === 'finished') {
      const result = resultText(record, readSettings().defaultMetric);
      const early = record.info.reason ? ` (${record.info.reason})` : '';
      void vscode.window.showInformationMessage(`RecLab: ${name} finished${result ? ` — ${result}` : ''}${early}`, 'Open Dashboard', 'Show Log').then((a) => this.act(a, id));
    } else if (status === 'failed') {
      const why = record.info.reason ? `: ${truncate(record.info.reason, 200)}` : '';
      void vscode.window.showErrorMessage(`RecLab: ${name} failed${why}`, 'Show Log', 'Open Dashboard').then((a) => this.act(a, id));
    }
  }

  private act(action: string | undefined, id: string): void {
    if (action === 'Open Dashboard') this.actions.openDashboard(id);
    if (action === 'Show Log') this.actions.showRunLog(id);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
