/** Who did something, when, and under which command id: carried by every command, copied into event metadata. */
export interface CommandMetadata {
  readonly now: Date;
  readonly actor: Actor;
  readonly commandId: string;
}

export type Role = 'admin' | 'proctor' | 'student' | 'auditor' | 'integrator' | 'committee' | 'system';

export interface Actor {
  readonly id: string;
  readonly role: Role;
}

/** A stream's rules as three pure functions (no clock, no ids, no I/O). */
export interface Decider<Command, Event, State> {
  readonly initialState: () => State;
  readonly decide: (command: Command, state: State) => readonly Event[];
  readonly evolve: (state: State, event: Event) => State;
}

export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'system' };
