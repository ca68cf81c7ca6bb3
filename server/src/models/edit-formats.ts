/** Moved to server/src/edits/formats.ts (the edit engine owns the formats); kept so existing imports work. */
export * from '../edits/formats';
