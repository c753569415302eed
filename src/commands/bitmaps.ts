// (being written)
import type { CommandSpec } from './spec.ts';

export const bitmapCommands: CommandSpec[] = [];
