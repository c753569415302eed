// Version numbers, apart from the server so that command modules can read them without
// importing the server (which imports every command module).

export const MNEMO_VERSION = '0.1.0';
/** The Redis version we answer to: clients (BullMQ, ...) gate features on it. */
export const REDIS_VERSION = '7.0.15';
