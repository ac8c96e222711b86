/**
 * How many photos a batch edits at once. Kept apart from run.ts (which loads sharp) so that the CLI's help
 * can state them without loading the imaging core (docs/cli.md, "How the CLI starts").
 */
export const MAX_CONCURRENCY = 16;
export const DEFAULT_CONCURRENCY = 4;
