/**
 * The Runs tree: maps the plain tree model (host/runTree.ts) to TreeItems. Refreshes are coalesced (the store can
 * change many times a second while a run trains).
 */
import * as vscode from 'vscode';
import type { RunStore } from '../runs/store';
import { skippedLinesText } from '../runs/reader';
import type { ProcessManager } from './host/manager';
import { buildTree, GROUPINGS, patchTree, STATUS_ICONS, type GroupRow, type Grouping, type RunRow, type SweepRow } from './host/runTree';
import { RowPacer } from './host/rowPacer';
import { readSettings } from './settings';

export type RunsNode = RunRow | GroupRow | SweepRow;

const GROUPING_KEY = 'reclab.runs.grouping';

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | RunsNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private filterText = '';
  private grouping: Grouping;
  private refreshTimer: NodeJS.Timeout | undefined;
  private roots: RunsNode[] = [];
  private readonly subs: vscode.Disposable[] = [];
  /** paces re-renders of running rows so that their tooltips can open and stay (host/rowPacer.ts) */
  private readonly pacer = new RowPacer();
  private catchUpTimer: NodeJS.Timeout | undefined;
  view: vscode.TreeView<RunsNode> | undefined;

  constructor(private readonly store: RunStore, private readonly manager: ProcessManager, private readonly state: vscode.Memento) {
    const saved = state.get<Grouping>(GROUPING_KEY);
    this.grouping = saved && GROUPINGS.includes(saved) ? saved : 'experiment';
    this.subs.push(store.onDidChange(() => this.refreshSoon()));
    this.subs.push(store.onDidChangeUnreadable(() => this.refreshSoon()));
    this.subs.push(manager.onEvent((e) => (e.type === 'queue-changed' || e.type === 'ended' ? this.refreshSoon() : undefined)));
    void this.updateContext();
  }

  get currentGrouping(): Grouping {
    return this.grouping;
  }

  get filter(): string {
    return this.filterText;
  }

  async setGrouping(g: Grouping): Promise<void> {
    this.grouping = g;
    await this.state.update(GROUPING_KEY, g);
    this.refreshNow();
  }

  setFilter(text: string): void {
    this.filterText = text.trim();
    this.refreshNow();
  }

  refreshSoon(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshNow();
    }, 150);
  }

  refreshNow(): void {
    const settings = readSettings();
    const stopping = new Set(this.manager.active().filter((id) => this.manager.isStopping(id)));
    const next = buildTree(this.store.list(), this.manager.queued(), {
      grouping: this.grouping, filter: this.filterText, metric: settings.defaultMetric, stopping, unreadable: this.store.unreadable(), listError: this.store.listingProblem(),
    });
    if (this.view) {
      this.view.message = this.filterText ? `Filtered by "${this.filterText}"` : undefined;
      this.view.description = this.grouping === 'flat' ? undefined : `by ${this.grouping}`;
    }
    void this.updateContext();
    const changed = patchTree(this.roots, next);
    if (changed === 'structure') {
      this.roots = next;
      this.pacer.renderedAll(this.runRows().map((r) => r.id));
      this.changed.fire(undefined);
    } else if (changed.length) {
      // rows updated in place: only the rows whose text changed are re-rendered, so a tooltip being read stays
      this.deliver(changed);
    }
  }

  /** Re-renders the changed nodes, running rows paced (RowPacer); rows that wait are re-rendered when due. */
  private deliver(changed: readonly RunsNode[]): void {
    const { now, waitMs } = this.pacer.take(changed.map((node) => ({ node, id: node.kind === 'run' ? node.id : `${node.kind}:${node.key}`, running: node.kind === 'run' && node.status === 'running' })));
    if (now.length) this.changed.fire(now.map((x) => x.node));
    if (waitMs !== undefined && !this.catchUpTimer) {
      this.catchUpTimer = setTimeout(() => {
        this.catchUpTimer = undefined;
        const waiting = this.pacer.waitingIds();
        const rows = this.runRows().filter((r) => waiting.has(r.id));
        if (rows.length) this.deliver(rows);
      }, waitMs);
    }
  }

  /** every run row of the current tree (group members, sweep points, flat rows) */
  private runRows(): RunRow[] {
    const out: RunRow[] = [];
    const walk = (nodes: readonly RunsNode[]) => {
      for (const n of nodes) {
        if (n.kind === 'run') out.push(n);
        else walk(n.kind === 'group' ? n.children ?? n.runs : n.runs);
      }
    };
    walk(this.roots);
    return out;
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) {
      if (!this.roots.length && (this.store.list().length || this.manager.queued().length)) this.refreshNowQuiet();
      return this.roots;
    }
    if (node.kind === 'group') return node.children ?? node.runs;
    return node.kind === 'sweep' ? node.runs : [];
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'group' || this.grouping === 'flat') return undefined;
    for (const g of this.roots) {
      if (g.kind !== 'group') continue;
      for (const c of g.children ?? g.runs) {
        if (node.kind === 'sweep' ? c === node : c.kind === 'run' && c.id === node.id) return g;
        if (node.kind === 'run' && c.kind === 'sweep' && c.runs.some((r) => r.id === node.id)) return c;
      }
    }
    return undefined;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${this.grouping}:${node.key}`;
      item.description = node.description;
      item.contextValue = 'runGroup';
      item.iconPath = new vscode.ThemeIcon(this.grouping === 'dataset' ? 'database' : 'beaker');
      return item;
    }
    if (node.kind === 'sweep') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `sweep:${this.grouping}:${node.key}`;
      item.description = node.description;
      item.contextValue = node.sweepId ? 'runGroup.sweep' : 'runGroup';
      item.iconPath = new vscode.ThemeIcon('run-all');
      item.tooltip = `${node.label} — ${node.description}${node.sweepId ? `\nsweep ${node.sweepId}: open the sweep view (parallel coordinates, importance)` : ''}`;
      if (node.sweepId) item.command = { command: 'reclab.openSweep', title: 'Open Sweep View', arguments: [node] };
      return item;
    }
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${node.id}`;
    item.description = node.description;
    // the tooltip is made when the user hovers (resolveTreeItem), from the row as it is then
    item.contextValue = node.contextValue;
    const icon = STATUS_ICONS[node.status];
    item.iconPath = new vscode.ThemeIcon(icon.icon, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    item.accessibilityInformation = { label: `${node.label}, ${node.status}, ${node.description}` };
    if (!node.pending && node.record) item.command = { command: 'reclab.openDashboard', title: 'Open Dashboard', arguments: [node] };
    return item;
  }

  /**
   * On hover, from the row as it is then (rows are updated in place while runs train, so the tooltip stays): the
   * tooltip also says how many metrics lines were unreadable (reads the run's events once).
   */
  resolveTreeItem(item: vscode.TreeItem, node: RunsNode): vscode.TreeItem {
    if (node.kind !== 'run') return item;
    // the pointer rests on this row: keep its text (and so VS Code's hover) until the tooltip has been read
    this.pacer.read(node.id);
    let tooltip = node.tooltip;
    if (!node.pending && node.record) {
      this.store.events(node.id);
      const skipped = this.store.skippedLines(node.id);
      if (skipped) tooltip = `${tooltip}  \n\n⚠ ${skippedLinesText(skipped)}`;
    }
    item.tooltip = new vscode.MarkdownString(tooltip);
    return item;
  }

  /** Run rows for a command invoked from the tree (clicked row + multi-selection), or the current selection. */
  selectedRuns(clicked?: unknown, selection?: unknown): RunRow[] {
    const fromArgs = Array.isArray(selection) ? selection : clicked ? [clicked] : this.view?.selection ?? [];
    const runs: RunRow[] = [];
    for (const n of fromArgs as RunsNode[]) {
      if (!n || typeof n !== 'object') continue;
      if (n.kind === 'run') runs.push(n);
      else if (n.kind === 'group' || n.kind === 'sweep') runs.push(...n.runs);
    }
    return dedupe(runs);
  }

  private refreshNowQuiet(): void {
    const settings = readSettings();
    this.roots = buildTree(this.store.list(), this.manager.queued(), { grouping: this.grouping, filter: this.filterText, metric: settings.defaultMetric, unreadable: this.store.unreadable(), listError: this.store.listingProblem() });
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'reclab.runsFiltered', !!this.filterText);
    await vscode.commands.executeCommand('setContext', 'reclab.hasActiveRuns', this.manager.active().length + this.manager.queued().length > 0);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.catchUpTimer) clearTimeout(this.catchUpTimer);
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}

function dedupe(rows: RunRow[]): RunRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
}

