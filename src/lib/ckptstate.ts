// Module-level kernel state (inode and id counters, registries) that a checkpoint must
// carry. A module registers a getter and a setter for its own variables; the checkpoint
// code (machine/checkpoint) saves every entry and, on restore, hands the values back.
// Values must be plain data or objects the checkpoint's class registry knows.

/** `owner` is the machine's kernel, for state kept per kernel (an opaque key here). */
export interface CkptState { get(owner: object): unknown; set(v: unknown, owner: object): void; }

const states = new Map<string, CkptState>();

/** Register module state under a stable name (called once at module load). */
export function registerCkptState(name: string, get: (owner: object) => unknown, set: (v: unknown, owner: object) => void): void {
  states.set(name, { get, set });
}

/** Every registered entry, by name. */
export function ckptStates(): ReadonlyMap<string, CkptState> { return states; }
