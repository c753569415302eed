// CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR and CLIENT TRACKINGINFO: client-side
// caching's commands (the machinery is src/tracking/tracking.ts). Bound under CLIENT by
// commands/server/client.ts.

import { Buffer } from 'node:buffer';
import {
  CACHING_NO_NEEDS_OPTOUT,
  CACHING_NEEDS_TRACKING,
  CACHING_YES_NEEDS_OPTIN,
  CommandError,
  NOT_INTEGER,
  prefixOverlapsExisting,
  prefixOverlapsProvided,
  quoteArg,
  REDIRECT_NO_SUCH_CLIENT,
  REDIRECT_ONCE,
  SYNTAX,
  TRACKING_BCAST_SWITCH,
  TRACKING_BCAST_WITH_OPTIN,
  TRACKING_OPTIN_AND_OPTOUT,
  TRACKING_OPTIN_SWITCH,
  TRACKING_PREFIX_NEEDS_BCAST,
} from '../errors.ts';
import { Tracking } from '../tracking/tracking.ts';
import { NOT_A_NUMBER, parseSafeInt } from '../util/numbers.ts';
import type { CommandContext, CommandSpec } from './spec.ts';

/** CLIENT TRACKING (ON|OFF) [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP], in Redis's order of checks. */
function clientTracking({ argv, client, server, w }: CommandContext): void {
  const options = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] as Buffer[] };
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i]!.toString('latin1').toLowerCase();
    const more = i < argv.length - 1;
    if (option === 'redirect' && more) {
      if (options.redirect !== 0) throw new CommandError(REDIRECT_ONCE);
      const id = parseSafeInt(argv[++i]!);
      if (id === NOT_A_NUMBER) throw new CommandError(NOT_INTEGER);
      if (!server.clients.has(id)) throw new CommandError(REDIRECT_NO_SUCH_CLIENT);
      options.redirect = id;
    } else if (option === 'bcast') options.bcast = true;
    else if (option === 'optin') options.optin = true;
    else if (option === 'optout') options.optout = true;
    else if (option === 'noloop') options.noloop = true;
    else if (option === 'prefix' && more) options.prefixes.push(argv[++i]!);
    else throw new CommandError(SYNTAX);
  }
  const mode = argv[2]!.toString('latin1').toLowerCase();
  if (mode === 'off') {
    server.tracking.disable(client);
    return w.ok();
  }
  if (mode !== 'on') throw new CommandError(SYNTAX);
  const current = client.tracking;
  if (!options.bcast && options.prefixes.length > 0) throw new CommandError(TRACKING_PREFIX_NEEDS_BCAST);
  if (current !== null && current.bcast !== options.bcast) throw new CommandError(TRACKING_BCAST_SWITCH);
  if (options.bcast && (options.optin || options.optout)) throw new CommandError(TRACKING_BCAST_WITH_OPTIN);
  if (options.optin && options.optout) throw new CommandError(TRACKING_OPTIN_AND_OPTOUT);
  if (current !== null && ((options.optin && current.optout) || (options.optout && current.optin))) throw new CommandError(TRACKING_OPTIN_SWITCH);
  if (options.bcast) checkPrefixOverlaps(options.prefixes, current?.prefixes.values() ?? []);
  server.tracking.enable(client, options);
  w.ok();
}

/**
 * Two prefixes of one client must not both cover a key. (Redis 7.0.15, finding an overlap
 * among the new prefixes past the first one, answers the error and then +OK as well; Mnemo
 * answers the error only.)
 */
function checkPrefixOverlaps(prefixes: readonly Buffer[], existing: Iterable<Buffer>): void {
  const held = [...existing];
  prefixes.forEach((prefix, i) => {
    const clash = held.find((other) => Tracking.overlap(other, prefix));
    if (clash !== undefined) throw new CommandError(prefixOverlapsExisting(quoteArg(prefix), quoteArg(clash)));
    for (const other of prefixes.slice(i + 1)) {
      if (Tracking.overlap(prefix, other)) throw new CommandError(prefixOverlapsProvided(quoteArg(prefix), quoteArg(other)));
    }
  });
}

function clientCaching({ argv, client, w }: CommandContext): void {
  const state = client.tracking;
  if (state === null) throw new CommandError(CACHING_NEEDS_TRACKING);
  const answer = argv[2]!.toString('latin1').toLowerCase();
  if (answer === 'yes') {
    if (!state.optin) throw new CommandError(CACHING_YES_NEEDS_OPTIN);
  } else if (answer === 'no') {
    if (!state.optout) throw new CommandError(CACHING_NO_NEEDS_OPTOUT);
  } else {
    throw new CommandError(SYNTAX);
  }
  state.caching = true;
  w.ok();
}

function clientTrackingInfo({ client, w }: CommandContext): void {
  const state = client.tracking;
  const flags: string[] = [state === null ? 'off' : 'on'];
  if (state !== null) {
    if (state.bcast) flags.push('bcast');
    if (state.optin) flags.push('optin');
    if (state.optin && state.caching) flags.push('caching-yes');
    if (state.optout) flags.push('optout');
    if (state.optout && state.caching) flags.push('caching-no');
    if (state.noloop) flags.push('noloop');
    if (state.brokenRedirect) flags.push('broken_redirect');
  }
  w.map(3);
  w.bulkString('flags');
  w.set(flags.length);
  for (const flag of flags) w.bulkString(flag);
  w.bulkString('redirect');
  w.int(state === null ? -1 : state.redirect);
  w.bulkString('prefixes');
  const prefixes = state === null ? [] : [...state.prefixes.values()].sort(Buffer.compare);
  w.array(prefixes.length);
  for (const prefix of prefixes) w.bulk(prefix);
}

export const trackingSubcommands: CommandSpec[] = [
  { name: 'client|tracking', handler: clientTracking },
  { name: 'client|caching', handler: clientCaching },
  { name: 'client|getredir', handler: ({ client, w }) => w.int(client.tracking === null ? -1 : client.tracking.redirect) },
  { name: 'client|trackinginfo', handler: clientTrackingInfo },
];
