// What bench/engine.mjs needs from the engine, bundled from the current source.
export { train } from '../src/engine/train';
export { resolveConfig } from '../src/engine/config/validate';
