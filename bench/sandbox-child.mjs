// The sandbox in a process of its own, so that the CPU it spends building and sending pages is
// neither the loader's nor the bench's, and can be read from /proc beside theirs. Started by
// bench/remote-sandbox.ts with the sandbox options as JSON; prints one JSON line
// ({url, adminToken}) once it listens, and serves until its stdin closes.
import { startSandbox } from '../dist/src/sandbox/index.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const sandbox = await startSandbox(options);
process.stdout.write(`${JSON.stringify({ url: sandbox.url, adminToken: sandbox.adminToken })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void sandbox.close().then(() => process.exit(0));
});
