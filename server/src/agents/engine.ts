/** The real edit engine (server/src/edits, issue 4) behind the agents' EditEngine port. */
import { applyEdits, listChangeSets, undo } from '../edits';
import type { EditEngine } from './edit-port';

export const editEngine: EditEngine = { applyEdits, undo, listChangeSets };
