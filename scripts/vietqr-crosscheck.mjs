// Decodes VietQR payloads with the independent npm package `vietnam-qr-pay`, so our Rust encoder and parser are
// checked against someone else's reading of the same spec (tests/vietqr_agrees_with_vietnam_qr_pay.rs).
//
// stdin:  JSON array of {"name": string, "payload": string}
// stdout: JSON array of {"name", "isValid", "provider", "initMethod", "guid", "service", "bankBin", "bankNumber",
//         "amount", "currency", "nation", "category", "merchantName", "city", "purpose", "billNumber",
//         "reference", "crc", "rebuilt"}   (absent fields are null; "rebuilt" is the package's own build())
// The package is loaded from $PHONGHOP_NPM_DIR/node_modules (installed by `make test`).

import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const npmDir = process.env.PHONGHOP_NPM_DIR;
if (!npmDir) {
  console.error('PHONGHOP_NPM_DIR is not set: run `make test` (it installs vietnam-qr-pay) or set PHONGHOP_NPM_DIR');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));
const { QRPay } = require('vietnam-qr-pay');

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const orNull = (value) => (value === undefined ? null : value);
const results = cases.map(({ name, payload }) => {
  const qr = new QRPay(payload);
  return {
    name,
    isValid: qr.isValid,
    provider: orNull(qr.provider?.name),
    initMethod: orNull(qr.initMethod),
    guid: orNull(qr.provider?.guid),
    service: orNull(qr.provider?.service),
    bankBin: orNull(qr.consumer?.bankBin),
    bankNumber: orNull(qr.consumer?.bankNumber),
    amount: orNull(qr.amount),
    currency: orNull(qr.currency),
    nation: orNull(qr.nation),
    category: orNull(qr.category),
    merchantName: orNull(qr.merchant?.name),
    city: orNull(qr.city),
    purpose: orNull(qr.additionalData?.purpose),
    billNumber: orNull(qr.additionalData?.billNumber),
    reference: orNull(qr.additionalData?.reference),
    crc: orNull(qr.crc),
    rebuilt: qr.isValid ? qr.build() : null,
  };
});
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
