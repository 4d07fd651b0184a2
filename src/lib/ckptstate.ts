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

/**
 * A side table: state a module keeps about kernel objects in a WeakMap of its own (locks
 * per inode, futex ids per address space ...). A checkpoint asks get(o) for every object
 * it saves and keeps the defined answers; restore hands each back with set(o, v).
 */
export interface CkptSide { get(o: object): unknown; set(o: object, v: unknown): void; }

const sides = new Map<string, CkptSide>();

export function registerCkptSide(name: string, get: (o: object) => unknown, set: (o: object, v: unknown) => void): void {
  sides.set(name, { get, set });
}

export function ckptSides(): ReadonlyMap<string, CkptSide> { return sides; }
