// Test-only values for the keys family: a collection stand-in, so that moving and copying
// values can be checked for every storage shape without depending on other families.

import { Meter } from '../../src/store/memory.ts';
import type { StoredObject } from '../../src/store/types.ts';
import { ReplyError, type Reply } from '../helpers/resp.ts';

export class FakeList extends Meter implements StoredObject {
  constructor(readonly items: string[]) {
    super();
    this.adjust(this.recount());
  }
  clone(): FakeList {
    return new FakeList([...this.items]);
  }
  recount(): number {
    return 16 * this.items.length;
  }
}

/** The text of an error reply, failing the test when the reply is not an error. */
export function errorText(reply: Reply): string {
  if (!(reply instanceof ReplyError)) throw new Error(`expected an error, got ${JSON.stringify(reply)}`);
  return reply.text;
}
