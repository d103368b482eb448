// tests/s3/serve.js DIR PORT BUCKET: runs s3rver (the version package-lock.json
// pins) on 127.0.0.1:PORT (0: a free port) with its data in DIR/data and
// BUCKET created, writes the port it got to DIR/port once it listens, and
// closes cleanly on SIGTERM or SIGINT. Started and stopped by s3rver-run.
'use strict';

const fs = require('fs');
const path = require('path');
const S3rver = require('s3rver');

const [dir, portArg, bucket] = process.argv.slice(2);
if (!dir || portArg === undefined || !bucket) {
  console.error('usage: serve.js DIR PORT BUCKET');
  process.exit(2);
}

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(portArg),
  directory: path.join(dir, 'data'),
  silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
});

function stop() {
  server.close().then(() => process.exit(0), () => process.exit(1));
}

server.run().then(
  ({ port }) => {
    const tmp = path.join(dir, 'port.tmp');
    fs.writeFileSync(tmp, `${port}\n`);
    fs.renameSync(tmp, path.join(dir, 'port'));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  },
  (err) => {
    console.error(`s3rver did not start: ${err.message}`);
    process.exit(1);
  },
);
