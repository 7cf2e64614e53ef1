// Throwaway certificates for the TLS tests, made with the openssl CLI at test
// time (nothing secret is kept in the tree): a self-signed CA, and server
// certificates signed by it for the given subjectAltName.
//
//   makeCa(dir, 'ca');                                  // dir/ca.pem, dir/ca.key
//   makeServerCert(dir, 'server', 'ca', 'DNS:localhost,IP:127.0.0.1');
//                                                       // dir/server.pem, .key
//   makeServerCert(dir, 'client', 'ca', 'DNS:client', 'clientAuth');
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeCa(dir, name) {
  openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2',
    '-subj', `/CN=libsio test ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

// usage: 'serverAuth' (default) or 'clientAuth' (a client certificate).
export function makeServerCert(dir, name, ca, san, usage = 'serverAuth') {
  fs.writeFileSync(path.join(dir, `${name}.ext`),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=${usage}\n`);
  openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`,
    '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
}
