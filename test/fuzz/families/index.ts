// Every family the fuzzer draws from. A new family (streams, scripting, ...) joins by adding
// its module here.

import type { Family } from '../family.ts';
import { bitmaps } from './bitmaps.ts';
import { blocking } from './blocking.ts';
import { hashes } from './hashes.ts';
import { keys } from './keys.ts';
import { lists } from './lists.ts';
import { sets } from './sets.ts';
import { sorting } from './sort.ts';
import { streams } from './streams.ts';
import { strings } from './strings.ts';
import { transactions } from './transactions.ts';
import { zsets } from './zsets.ts';

export const families: Family[] = [strings, bitmaps, keys, lists, hashes, sets, zsets, sorting, transactions, blocking, streams];
