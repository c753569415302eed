// Package entry for plain Node 20: loads the TypeScript sources through tsx in a scoped
// namespace, so the host application's own module loading is left alone.
import { register } from 'tsx/esm/api';

const api = register({ namespace: 'mnemo' });
const mnemo = await api.import('./src/index.ts', import.meta.url);

export const { startServer, Server, MNEMO_VERSION, REDIS_VERSION } = mnemo;
