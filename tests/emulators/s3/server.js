'use strict';
// The S3-compatible server of the upload tests (see ../README.md, "s3"):
// s3rver, which checks AWS Signature Version 4 against the one key pair
// given here, on 127.0.0.1 with a port the kernel picks, storing under
// --dir. s3rver stores what it is sent without checking the body against
// its digests and has no conditional create; the layer below adds what S3
// itself does there, before s3rver sees the request:
//   - x-amz-content-sha256 (when a hash), Content-MD5 and
//     x-amz-checksum-sha256 are compared with the body: 400 on a mismatch,
//     and nothing is stored;
//   - If-None-Match: * on a PUT of an object that exists: 412;
//   - the body is read whole before it is stored, so that a client that
//     dies mid-body leaves no partial object (S3 writes are atomic);
//   - AbortMultipartUpload (DELETE ?uploadId=) removes the upload's parts.
// It answers x-amz-checksum-sha256 for a PUT that sent one, as S3 does.
//
// Usage: node server.js --dir DIR --bucket NAME [--log FILE]
//                        [--fault FAULT:N]
// with BK_S3_ACCESS_KEY and BK_S3_SECRET_KEY in the environment. Prints
// "port N" on stdout once it listens; stops on SIGTERM or when stdin ends.
// --log FILE: one line per request, "METHOD /path?query STATUS", so that a
// test can count what reached the server.
// --fault FAULT:N applies to the first N PUTs of objects:
//   drop-puts   handled (stored or refused), then the connection is closed
//               with no answer: lost acknowledgements;
//   slow-down   answered 503 SlowDown with Retry-After: 7, nothing stored;
//   hang-puts   the body is read, and no answer ever comes;
//   reset-puts  the connection is closed after the body's first bytes;
// and fail-parts:N answers the first N UploadPart requests 500;
// no-conditional:1 makes it a store without conditional writes, which
// answers 501 NotImplemented to If-None-Match on PUT and Complete.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Readable } = require('node:stream');

// Replaced before s3rver's controllers load (they keep a reference): a body
// this layer read whole is handed over as it is, with its MD5, and written
// in one call that returns once the file is written (s3rver would hash it
// again on the way, and answers a plain Buffer's PUT before the file is
// written, so that a HEAD right after saw part of it).
const v4 = require('@20minutes/s3rver/lib/signature/v4');
const FilesystemStore = require('@20minutes/s3rver/lib/stores/filesystem');
const S3Object = require('@20minutes/s3rver/lib/models/object');
const streamingParser = v4.aws4SignatureBodyParser;
v4.aws4SignatureBodyParser = (ctx) => {
  if (ctx.state.bkBody) ctx.request.body = ctx.state.bkBody;
  else streamingParser(ctx);
};
// Writes `data` to `file` under another name first, outside the buckets
// (a listing must not meet it), then renames it: a reader finds the old
// file or none, never part of the new one (S3 writes are atomic). A
// request whose client was killed still finishes while others read.
async function writeWhole(store, file, data) {
  const parts = `${store.rootDirectory}.parts`;
  const part = path.join(parts, crypto.randomUUID());
  await fs.promises.mkdir(parts, { recursive: true });
  await fs.promises.writeFile(part, data);
  await fs.promises.rename(part, file);
}

const streamingPutContent = FilesystemStore.prototype.putContent;
FilesystemStore.prototype.putContent = async function putContent(file, body) {
  if (!body || !body.bkBuffer)
    return streamingPutContent.call(this, file, body);
  await writeWhole(this, file, body.bkBuffer);
  return [body.bkBuffer.length, body.bkMd5];
};
// s3rver's own, with whole writes: a listing reads every object's metadata.
FilesystemStore.prototype.putMetadata = async function putMetadata(
    bucket, key, metadata, md5) {
  const json = Object.fromEntries(Object.entries(metadata).filter(
      ([name]) => S3Object.ALLOWED_METADATA.includes(name) ||
                  name.startsWith('x-amz-meta-')));
  const md5Path = this.getResourcePath(bucket, key, 'object.md5');
  if (md5) await writeWhole(this, md5Path, md5);
  await writeWhole(this, this.getResourcePath(bucket, key, 'metadata.json'),
                   JSON.stringify(json, null, 2));
};

const S3rver = require('@20minutes/s3rver');
const AWSAccount = require('@20minutes/s3rver/lib/models/account');
const S3Error = require('@20minutes/s3rver/lib/models/error');

function parseArgs(argv) {
  const args = { dir: null, bucket: null, log: null, fault: null };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in args) || i + 1 >= argv.length)
      throw new Error('usage: server.js --dir DIR --bucket NAME [--log FILE] ' +
                      '[--fault FAULT:N]');
    args[name] = argv[i + 1];
  }
  if (!args.dir || !args.bucket)
    throw new Error('server.js: --dir and --bucket are required');
  return args;
}

function digestError(code, message) {
  const error = new S3Error(code, message);
  error.status = 400;
  error.expose = true;
  return error;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

// Throws the error S3 answers when a digest header does not match `body`;
// else returns its SHA-256 (base64) and MD5 (hex).
function checkDigests(headers, body) {
  const sha256 = crypto.createHash('sha256').update(body).digest();
  const md5 = crypto.createHash('md5').update(body).digest();
  const contentSha256 = headers['x-amz-content-sha256'];

  if (/^[0-9a-f]{64}$/i.test(contentSha256 || '') &&
      contentSha256.toLowerCase() !== sha256.toString('hex'))
    throw digestError('XAmzContentSHA256Mismatch',
                      'The provided x-amz-content-sha256 header does not ' +
                          'match what was computed.');
  if ('content-md5' in headers &&
      headers['content-md5'] !== md5.toString('base64'))
    throw digestError('BadDigest', 'The Content-MD5 you specified did not ' +
                                       'match what we received.');
  const checksum = headers['x-amz-checksum-sha256'];
  if (checksum !== undefined && checksum !== sha256.toString('base64'))
    throw digestError('BadDigest', 'The SHA256 you specified did not match ' +
                                       'the calculated checksum.');
  return { sha256: sha256.toString('base64'), md5: md5.toString('hex') };
}

// "/bucket/key" of a PUT of an object or a part, else null.
function objectPut(ctx) {
  if (ctx.method !== 'PUT' || 'x-amz-copy-source' in ctx.headers) return null;
  const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
  if (!match) return null;
  const isPart = 'partNumber' in ctx.query && 'uploadId' in ctx.query;
  if (!isPart && Object.keys(ctx.query).length) return null;
  return { bucket: match[1], key: decodeURIComponent(match[2]), isPart };
}

function requestLog(file) {
  return async function logRequest(ctx, next) {
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (error) {
      status = error.status || 500;
      throw error;
    } finally {
      fs.appendFileSync(file, `${ctx.method} ${ctx.url} ${status}\n`);
    }
  };
}

// What a store without conditional writes answers to If-None-Match.
function conditionNotImplemented() {
  return new S3Error('NotImplemented',
                     'A header you provided implies functionality that is ' +
                         'not implemented', { Header: 'If-None-Match' });
}

// AbortMultipartUpload, which s3rver lacks: it checks the signature and
// then refuses the method (405); once it has, the parts are removed.
async function abortMultipart(ctx, next) {
  try {
    await next();
  } catch (error) {
    if (error.code !== 'MethodNotAllowed') throw error;
  }
  const bucket = /^\/([^/]+)\//.exec(ctx.path);
  const uploadId = ctx.query.uploadId;
  if (!bucket || !/^[0-9a-f]+$/.test(uploadId))
    throw new S3Error('NoSuchUpload', 'The specified upload does not exist.');
  const uploads = ctx.app.store.getResourcePath(bucket[1], undefined,
                                                'uploads');
  const dir = path.join(uploads, uploadId);
  if (!fs.existsSync(dir))
    throw new S3Error('NoSuchUpload', 'The specified upload does not exist.');
  await fs.promises.rm(dir, { recursive: true });
  ctx.status = 204;
}

// The checks above, then s3rver, with the --fault asked for.
function checksLayer(args) {
  const fault = /^([a-z-]+):(\d+)$/.exec(args.fault || '');
  const count = (name) => (fault && fault[1] === name ? Number(fault[2]) : 0);
  let drops = count('drop-puts');
  let slowDowns = count('slow-down');
  let hangs = count('hang-puts');
  let resets = count('reset-puts');
  let partFailures = count('fail-parts');
  const noConditional = count('no-conditional') > 0;
  async function checkedPut(ctx, next, put) {
    if (!put.isPart && resets > 0) {
      // The first bytes of the body arrive, then the connection breaks.
      resets--;
      await new Promise((resolve) => ctx.req.once('data', resolve));
      ctx.req.socket.destroy();
      return;
    }
    const body = await readBody(ctx.req);
    if (put.isPart && partFailures > 0) {
      partFailures--;
      throw new S3Error('InternalError', 'We encountered an internal error.');
    }
    if (!put.isPart && hangs > 0) {
      hangs--;
      await new Promise(() => {}); // never answers
    }
    if (!put.isPart && slowDowns > 0) {
      // Answered here: s3rver's error handler drops Retry-After.
      slowDowns--;
      ctx.status = 503;
      ctx.set('Retry-After', '7');
      ctx.type = 'application/xml';
      ctx.body = new S3Error('SlowDown', 'Please reduce your request rate.')
                     .toXML();
      return;
    }
    const digests = checkDigests(ctx.headers, body);
    if (noConditional && 'if-none-match' in ctx.headers)
      throw conditionNotImplemented();
    if (!put.isPart && ctx.headers['if-none-match'] === '*' &&
        (await ctx.app.store.existsObject(put.bucket, put.key)))
      throw new S3Error('PreconditionFailed',
                        'At least one of the pre-conditions you specified ' +
                            'did not hold', { Condition: 'If-None-Match' });
    ctx.state.bkBody = Readable.from([body]);
    Object.assign(ctx.state.bkBody, { bkBuffer: body, bkMd5: digests.md5 });
    await next();
    if ('x-amz-checksum-sha256' in ctx.headers)
      ctx.set('x-amz-checksum-sha256', digests.sha256);
  }
  return async function s3Checks(ctx, next) {
    if (ctx.method === 'DELETE' && 'uploadId' in ctx.query)
      return abortMultipart(ctx, next);
    if (noConditional && ctx.method === 'POST' && 'uploadId' in ctx.query &&
        'if-none-match' in ctx.headers)
      throw conditionNotImplemented();
    const put = objectPut(ctx);
    if (!put) return next();
    try {
      await checkedPut(ctx, next, put);
    } finally {
      if (!put.isPart && drops > 0) {
        drops--;
        ctx.req.socket.destroy();
      }
    }
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const accessKey = process.env.BK_S3_ACCESS_KEY;
  const secretKey = process.env.BK_S3_SECRET_KEY;
  if (!accessKey || !secretKey)
    throw new Error('server.js: BK_S3_ACCESS_KEY and BK_S3_SECRET_KEY unset');

  // Only the tests' key pair is valid: s3rver's built-in one is revoked.
  AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);
  fs.mkdirSync(args.dir, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: args.dir,
    silent: true,
    allowMismatchedSignatures: false,
    configureBuckets: [{ name: args.bucket }],
  });
  // After the logger, before everything else (the first entry logs).
  server.middleware.splice(1, 0, checksLayer(args));
  if (args.log) server.middleware.unshift(requestLog(args.log));
  const address = await server.run();
  process.stdout.write(`port ${address.port}\n`);
  // No graceful close: a hung request (--fault hang-puts) would keep it
  // waiting, and the storage is a test's scratch.
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
