#!/usr/bin/env node
// The mnemo-server binary: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/server/cli.ts');
