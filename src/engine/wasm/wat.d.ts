/** A WebAssembly kernel's text, assembled at build time by scripts/wat-plugin.mjs: the module's bytes. */
declare module '*.wat' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
