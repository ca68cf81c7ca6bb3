/** The webview side of the extension bridge (typed per panel). */
export interface VsCodeApi<From> {
  postMessage(message: From): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): unknown;
export function vscodeApi<From>(): VsCodeApi<From> {
  return acquireVsCodeApi() as VsCodeApi<From>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
