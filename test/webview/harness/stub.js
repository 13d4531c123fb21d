// Browser harness prelude: a stand-in for VS Code's webview host. Loaded (by nonce, before the view's module) by the
// page the harness server builds with the real webviewHtml(). It
//  - defines acquireVsCodeApi(): postMessage is recorded in __harness.posted, setState persists in sessionStorage
//    (VS Code keeps webview state across reloads the same way);
//  - applies a theme's --vscode-* variables and body class (also at run time, like a theme switch);
//  - loads a recorded host→webview stream (binary, see codec.ts), answers the view's `ready` with its snapshot, and
//    replays the deltas with their recorded timing while measuring message→frame latency and frame rate.
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const STATE_KEY = 'reclab-harness-state:' + location.pathname;
  const posted = [];
  let stream = null;
  let replaying = null;

  function decodeStream(buf) {
    const dv = new DataView(buf);
    const headLen = dv.getUint32(0, true);
    const head = new TextDecoder().decode(new Uint8Array(buf, 4, headLen));
    const pre = 4 + headLen;
    const base = pre + ((8 - (pre % 8)) % 8);
    const ctors = { Float64Array, Float32Array, Int32Array, Uint32Array, Uint8Array, Int8Array, Int16Array, Uint16Array };
    return JSON.parse(head, (_k, v) => {
      if (v && typeof v === 'object' && typeof v.$typed === 'string') {
        const C = ctors[v.$typed];
        return new C(buf.slice(base + v.offset, base + v.offset + v.length * C.BYTES_PER_ELEMENT));
      }
      return v;
    });
  }

  function deliver(message) {
    // a real structured-clone postMessage, asynchronous, as VS Code delivers host messages
    window.postMessage(message, '*');
  }

  function setTheme(name) {
    const t = window.__harnessThemes[name];
    if (!t) throw new Error('unknown theme ' + name);
    const root = document.documentElement;
    for (const [k, v] of Object.entries(t.vars)) {
      if (v) root.style.setProperty(k, v);
      else root.style.removeProperty(k);
    }
    const apply = () => {
      document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
      document.body.classList.add(t.bodyClass);
      document.body.dataset.vscodeThemeKind = t.kind;
    };
    if (document.body) apply();
    else document.addEventListener('DOMContentLoaded', apply, { once: true });
  }

  window.acquireVsCodeApi = function () {
    return {
      postMessage(m) {
        posted.push(JSON.parse(JSON.stringify(m)));
        if (m && m.type === 'ready' && stream) {
          const snap = stream.find((r) => r.message.type === 'snapshot');
          if (snap) deliver(snap.message);
        }
      },
      getState() {
        const s = sessionStorage.getItem(STATE_KEY);
        return s ? JSON.parse(s) : undefined;
      },
      setState(s) {
        sessionStorage.setItem(STATE_KEY, JSON.stringify(s));
      },
    };
  };

  function median(a) {
    if (!a.length) return NaN;
    const s = [...a].sort((x, y) => x - y);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }
  function quantile(a, q) {
    if (!a.length) return NaN;
    const s = [...a].sort((x, y) => x - y);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))];
  }

  /** Replays the deltas with their recorded timing (speed > 1 replays faster); resolves with latency and fps stats. */
  function replay(options) {
    const speed = (options && options.speed) || 1;
    const deltas = stream.filter((r) => r.message.type === 'delta');
    return new Promise((resolve) => {
      const latencies = [];
      const frameTimes = [];
      let running = true;
      let pendingStart = null;
      const onMessage = (e) => {
        if (!e.data || e.data.type !== 'delta' || pendingStart === null) return;
        const t0 = pendingStart;
        pendingStart = null;
        // this listener was added after the view's, so the view has handled the message and scheduled its frame;
        // a frame callback registered now runs after the view's draw in the same frame
        requestAnimationFrame(() => latencies.push(performance.now() - t0));
      };
      window.addEventListener('message', onMessage);
      const tick = (t) => {
        frameTimes.push(t);
        if (running) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const start = performance.now();
      const first = deltas.length ? deltas[0].at : 0;
      let i = 0;
      const step = () => {
        const now = performance.now() - start;
        while (i < deltas.length && (deltas[i].at - first) / speed <= now) {
          pendingStart = performance.now();
          deliver(deltas[i].message);
          i++;
          // one message per task: the browser gets to render between messages
          break;
        }
        if (i < deltas.length) {
          const wait = Math.max(0, (deltas[i].at - first) / speed - (performance.now() - start));
          setTimeout(step, wait);
        } else {
          setTimeout(() => {
            running = false;
            window.removeEventListener('message', onMessage);
            const intervals = [];
            for (let k = 1; k < frameTimes.length; k++) intervals.push(frameTimes[k] - frameTimes[k - 1]);
            const duration = (frameTimes[frameTimes.length - 1] - frameTimes[0]) / 1000;
            resolve({
              messages: deltas.length,
              latencyMedianMs: median(latencies),
              latencyP95Ms: quantile(latencies, 0.95),
              latencyMaxMs: Math.max(...latencies),
              frames: frameTimes.length,
              durationS: duration,
              fps: (frameTimes.length - 1) / duration,
              frameIntervalMedianMs: median(intervals),
              frameIntervalP95Ms: quantile(intervals, 0.95),
              latencies,
            });
          }, 300);
        }
      };
      step();
    });
  }

  window.__harness = {
    posted,
    setTheme,
    /** delivers the recorded snapshot now (for a view that is already listening) */
    sendSnapshot() {
      const snap = stream.find((r) => r.message.type === 'snapshot');
      deliver(snap.message);
    },
    replay(options) {
      replaying = replay(options);
      return replaying;
    },
    deltaCount() {
      return stream ? stream.filter((r) => r.message.type === 'delta').length : 0;
    },
    clearState() {
      sessionStorage.removeItem(STATE_KEY);
    },
  };

  setTheme(params.get('theme') || 'dark');
  // a recorded stream named in the page URL is loaded by the server as a script before this one (the CSP allows no
  // fetch); the view's `ready` then gets the snapshot at once
  if (window.__harnessStreamB64) {
    const bytes = Uint8Array.fromBase64(window.__harnessStreamB64);
    stream = decodeStream(bytes.buffer);
    delete window.__harnessStreamB64;
  }
})();
