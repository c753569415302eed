// TLS for the Redis port as Redis 7.0 configures it: the tls-* settings turned into Node's
// secure-context options, read again when CONFIG SET changes one of them.

import { constants, createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { configWords, type Config } from '../server/config.ts';

/** The settings that make up the server's TLS context. */
export const TLS_CONTEXT_SETTINGS = new Set([
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-dh-params-file',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-auth-clients',
  'tls-prefer-server-ciphers',
  'tls-session-caching',
  'tls-session-cache-timeout',
]);

export class TlsConfigError extends Error {}

const PROTOCOLS: Record<string, tls.SecureVersion> = { tlsv1: 'TLSv1', 'tlsv1.1': 'TLSv1.1', 'tlsv1.2': 'TLSv1.2', 'tlsv1.3': 'TLSv1.3' };
const ORDER: tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TlsConfigError(`Failed to load ${what}: ${path}: ${(error as Error).message}`);
  }
}

/** The server's TLS options; throws TlsConfigError with the reason the log should give. */
export function tlsServerOptions(config: Config): tls.TlsOptions {
  const certFile = config.get('tls-cert-file');
  const keyFile = config.get('tls-key-file');
  if (certFile === '' || keyFile === '') throw new TlsConfigError('No tls-cert-file or tls-key-file configured!');
  const options: tls.TlsOptions = {
    cert: read(certFile, 'certificate'),
    key: read(keyFile, 'private key'),
    honorCipherOrder: config.bool('tls-prefer-server-ciphers'),
  };
  const passphrase = config.get('tls-key-file-pass');
  if (passphrase !== '') options.passphrase = passphrase;
  try {
    // Read now, so that a wrong tls-key-file-pass stops start-up with Redis's reason rather than failing at listen.
    createPrivateKey({ key: options.key as Buffer, ...(passphrase === '' ? {} : { passphrase }) });
  } catch (error) {
    throw new TlsConfigError(`Failed to load private key: ${keyFile}: ${(error as Error).message}`);
  }
  const ca: Buffer[] = [];
  const caFile = config.get('tls-ca-cert-file');
  if (caFile !== '') ca.push(read(caFile, 'CA certificate(s) file'));
  const caDir = config.get('tls-ca-cert-dir');
  if (caDir !== '') {
    for (const name of readdirSync(caDir)) {
      if (name.endsWith('.pem') || name.endsWith('.crt')) ca.push(read(join(caDir, name), 'CA certificate'));
    }
  }
  const authClients = config.get('tls-auth-clients');
  if (authClients !== 'no' && ca.length === 0) {
    throw new TlsConfigError('Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!');
  }
  if (ca.length > 0) options.ca = ca;
  // "yes" requires a client certificate signed by the CA; "optional" verifies one if given.
  options.requestCert = authClients !== 'no';
  options.rejectUnauthorized = authClients === 'yes';
  const dhFile = config.get('tls-dh-params-file');
  if (dhFile !== '') options.dhparam = read(dhFile, 'DH params file');
  const protocols = configWords(config.get('tls-protocols').toLowerCase());
  if (protocols.length > 0) {
    const versions = protocols.map((name) => {
      const version = PROTOCOLS[name];
      if (version === undefined) throw new TlsConfigError(`Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.`);
      return ORDER.indexOf(version);
    });
    options.minVersion = ORDER[Math.min(...versions)]!;
    options.maxVersion = ORDER[Math.max(...versions)]!;
  } else {
    // Redis's default: TLSv1.2 and TLSv1.3.
    options.minVersion = 'TLSv1.2';
  }
  // Node takes TLS 1.2 ciphers and TLS 1.3 suites in one list.
  const ciphers = [config.get('tls-ciphers'), config.get('tls-ciphersuites')].filter((list) => list !== '').join(':');
  if (ciphers !== '') options.ciphers = ciphers;
  if (config.bool('tls-session-caching')) options.sessionTimeout = config.number('tls-session-cache-timeout');
  // Without tickets a TLS 1.3 or 1.2 client has no session to resume (Node keeps no server-side session cache unless asked).
  else options.secureOptions = constants.SSL_OP_NO_TICKET;
  try {
    tls.createSecureContext(options);
  } catch (error) {
    throw new TlsConfigError(`Failed to configure TLS context: ${(error as Error).message}`);
  }
  return options;
}
