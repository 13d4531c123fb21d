/**
 * The Datasets view: datasets referenced by the workspace's configs, with the statistics of their latest run.
 */
import fs from 'node:fs';
import * as vscode from 'vscode';
import type { DatasetStats } from '../protocol/events';
import type { RunStore } from '../runs/store';
import { collectDatasets, formatStats, type DatasetEntry } from './host/datasets';
import { catalogRows, type CatalogRow } from './host/catalog';

type Node = { kind: 'dataset'; entry: DatasetEntry } | { kind: 'stat'; text: string } | { kind: 'config'; path: string }
  | { kind: 'catalogRoot' } | { kind: 'catalog'; row: CatalogRow };

export class DatasetsProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private entries: DatasetEntry[] | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: RunStore) {
    const w = vscode.workspace.createFileSystemWatcher('**/*.reclab.json');
    this.subs.push(w, w.onDidChange(() => this.refresh()), w.onDidCreate(() => this.refresh()), w.onDidDelete(() => this.refresh()));
    this.subs.push(store.onDidChange((c) => (c.kind === 'added' ? this.refresh() : undefined)));
  }

  refresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.entries = undefined;
      this.changed.fire(undefined);
    }, 300);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      this.entries ??= await this.load();
      return [...this.entries.map((entry): Node => ({ kind: 'dataset', entry })), { kind: 'catalogRoot' }];
    }
    if (node.kind === 'catalogRoot') return catalogRows().map((row): Node => ({ kind: 'catalog', row }));
    if (node.kind !== 'dataset') return [];
    const stats = node.entry.stats ? formatStats(node.entry.stats).map((text): Node => ({ kind: 'stat', text })) : [{ kind: 'stat', text: 'no run yet: train a config to see statistics' } as Node];
    return [...stats, ...node.entry.configs.map((p): Node => ({ kind: 'config', path: p }))];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'catalogRoot') {
      const item = new vscode.TreeItem('Catalogue', vscode.TreeItemCollapsibleState.Expanded);
      item.description = 'reclab datasets list';
      item.tooltip = 'Pinned, checksummed dataset versions; use one in a config as "dataset": {"catalog": "NAME"}';
      item.iconPath = new vscode.ThemeIcon('library');
      return item;
    }
    if (node.kind === 'catalog') {
      const item = new vscode.TreeItem(node.row.name);
      item.description = `${node.row.version} · ${node.row.stateLabel}`;
      item.tooltip = node.row.tooltip;
      item.iconPath = new vscode.ThemeIcon(node.row.state === 'fetched' ? 'pass' : node.row.state === 'generated' ? 'symbol-event' : 'cloud-download');
      item.contextValue = `catalog.${node.row.state}`;
      return item;
    }
    if (node.kind === 'dataset') {
      const item = new vscode.TreeItem(node.entry.label, vscode.TreeItemCollapsibleState.Expanded);
      item.description = node.entry.stats ? `${node.entry.stats.users}u × ${node.entry.stats.items}i` : node.entry.detail;
      item.tooltip = node.entry.detail;
      item.iconPath = new vscode.ThemeIcon('database');
      item.contextValue = 'dataset';
      return item;
    }
    if (node.kind === 'stat') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon('graph');
      return item;
    }
    const uri = vscode.Uri.file(node.path);
    const item = new vscode.TreeItem(uri);
    item.description = vscode.workspace.asRelativePath(uri);
    item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
    item.contextValue = 'config';
    return item;
  }

  private async load(): Promise<DatasetEntry[]> {
    const uris = await vscode.workspace.findFiles('**/*.reclab.json', '**/node_modules/**', 500);
    const configs = uris.map((u) => ({ path: u.fsPath, json: readJson(u.fsPath) }));
    return collectDatasets(configs, (p) => this.statsFor(p));
  }

  private statsFor(configPath: string): DatasetStats | undefined {
    const run = this.store.list().find((r) => r.info.configPath === configPath);
    if (!run) return undefined;
    const start = this.store.events(run.id).find((e) => e.kind === 'start');
    return start?.kind === 'start' ? start.dataset : undefined;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
