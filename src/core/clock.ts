/** Returns the current time. Injected wherever expiry is computed, so tests never sleep. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
