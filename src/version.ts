/** RecLab's version (kept in step with package.json by the build's define, falling back to the literal). */
declare const __RECLAB_VERSION__: string | undefined;
export const VERSION: string = typeof __RECLAB_VERSION__ === 'string' ? __RECLAB_VERSION__ : '0.1.0';
