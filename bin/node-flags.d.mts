// Types of node-flags.mjs (the launcher is plain JavaScript so it runs before tsx is loaded).
export declare const IMPORT_NODE_FLAGS: string[];
export declare function nodeFlagsFor(argv: readonly string[]): string[];
