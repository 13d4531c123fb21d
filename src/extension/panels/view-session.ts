/**
 * What the host sides of the file-following views share (the sweep view, the reproduction view): the webview's
 * `ready` handshake, suspension while the panel is hidden, and posting the whole view only when it changed (or the
 * text of why it cannot be shown). A subclass builds the view and wraps it in its message; when to send (throttled,
 * debounced) is its own. Pure (no vscode): the VS Code panel and the browser harness drive the same classes.
 */
import type { HostToWebview, WebviewToHost } from '../../protocol/webview';

export abstract class ViewSession<T> {
  protected ready = false;
  protected disposed = false;
  private lastSignature = '';

  constructor(
    private readonly post: (message: HostToWebview) => unknown,
    private readonly onCommand?: (message: WebviewToHost) => void,
  ) {}

  /** `ready` (the webview loaded or came back): the whole view at once; anything else goes to onCommand. */
  receive(message: WebviewToHost): void {
    if (this.disposed) return;
    if (message.type === 'ready') {
      this.ready = true;
      this.lastSignature = '';
      this.send();
      return;
    }
    this.onCommand?.(message);
  }

  /** the panel was hidden: nothing is sent until the next `ready` */
  suspend(): void {
    this.ready = false;
  }

  dispose(): void {
    this.disposed = true;
  }

  /** The view as it is now, or the text of why it cannot be shown. */
  protected abstract view(): T | string;

  /** The message that carries a view. */
  protected abstract message(data: T): HostToWebview;

  /** called after a view was posted (a throttle's clock) */
  protected sent(): void {}

  protected send(): void {
    if (!this.ready || this.disposed) return;
    const data = this.view();
    if (typeof data === 'string') {
      this.post({ type: 'error', message: data });
      this.lastSignature = ''; // the next view is sent even if it equals the one before the error
      return;
    }
    const signature = JSON.stringify(data);
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    this.sent();
    this.post(this.message(data));
  }
}
