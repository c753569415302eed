// The "<CONTAINER> HELP" reply every Redis container command gives: a usage line, the
// subcommands with their descriptions, and HELP itself last.

import type { ReplyWriter } from '../../protocol/resp/writer.ts';

export function helpReply(w: ReplyWriter, container: string, lines: readonly string[]): void {
  w.array(lines.length + 3);
  w.simple(`${container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const line of lines) w.simple(line);
  w.simple('HELP');
  w.simple('    Prints this help.');
}
